// Owns roles that really need a password on the test cluster: its pg_hba.conf trusts 127.0.0.1, so
// a rule placed first requires SCRAM from every role whose name starts with `pw_`, and only those.
import postgres from "postgres";
import type { DbSettings } from "../../lib/config/settings.ts";
import { scramVerifier } from "../../lib/security/scram_verifier.ts";
import { connectTo, testPostgres } from "./services.ts";

const RULE = "host all /^pw_ 127.0.0.1/32 scram-sha-256";
const MARKER = "# tests/helpers/password_roles.ts: roles named pw_* must send a password";

/** Adds the rule to the test cluster's pg_hba.conf once and waits until the server applies it. */
export async function requirePasswordsForPwRoles(): Promise<void> {
  const admin = await testPostgres();
  const sql = connectTo(admin);
  try {
    const path = (await sql<{ hba_file: string }[]>`show hba_file`)[0]!.hba_file;
    const text = await Deno.readTextFile(path);
    if (!text.includes(MARKER)) {
      await Deno.writeTextFile(path, `${MARKER}\n${RULE}\n${text}`);
      await sql`select pg_reload_conf()`;
    }
    // The reload is asynchronous: wait until a pw_ role without password is refused.
    const probe = `pw_probe_${crypto.randomUUID().slice(0, 8)}`;
    await sql.unsafe(`create role ${probe} login`);
    try {
      const deadline = performance.now() + 10_000;
      while (await canConnect({ ...admin, user: probe, password: "" })) {
        if (performance.now() > deadline) {
          throw new Error("pg_hba.conf rule for pw_ roles not applied");
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await sql.unsafe(`drop role ${probe}`);
    }
  } finally {
    await sql.end();
  }
}

/**
 * Creates a login role `name` (must start with `pw_`) with a password, and a database it owns.
 *
 * @returns Settings to connect as that role to that database.
 */
export async function createPasswordRole(name: string, password: string): Promise<DbSettings> {
  const admin = await testPostgres();
  const sql = connectTo(admin);
  const database = `${name}_db`;
  try {
    const verifier = await scramVerifier(password);
    await sql.unsafe(`create role ${quoteIdent(name)} login password '${verifier}'`);
    await sql.unsafe(`create database ${quoteIdent(database)} owner ${quoteIdent(name)}`);
  } finally {
    await sql.end();
  }
  return { ...admin, user: name, password, database };
}

/** Drops a role made by {@link createPasswordRole} and its database. */
export async function dropPasswordRole(name: string): Promise<void> {
  const sql = connectTo(await testPostgres());
  try {
    await sql.unsafe(`drop database if exists ${quoteIdent(`${name}_db`)} with (force)`);
    await sql.unsafe(`drop role if exists ${quoteIdent(name)}`);
  } finally {
    await sql.end();
  }
}

/** Tries to connect; true on success. */
export async function canConnect(db: DbSettings): Promise<boolean> {
  const sql = postgres({
    host: db.host,
    port: db.port,
    database: db.database,
    username: db.user,
    password: db.password,
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
  });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
