// Owns roles that really need a password on the test cluster. Like every embedded server, it asks
// every role for a SCRAM-SHA-256 password over TCP (README, "Security"); roles named `pw_*` mark the
// tests that rely on that.
import postgres from "postgres";
import type { DbSettings } from "../../lib/config/settings.ts";
import { scramVerifier } from "../../lib/security/scram_verifier.ts";
import { connectTo, testPostgres } from "./services.ts";

/** Fails unless the test cluster refuses a login role that has no password. */
export async function requirePasswordsForPwRoles(): Promise<void> {
  const admin = await testPostgres();
  const sql = connectTo(admin);
  const probe = `pw_probe_${crypto.randomUUID().slice(0, 8)}`;
  try {
    await sql.unsafe(`create role ${probe} login`);
    if (await canConnect({ ...admin, user: probe, password: "" })) {
      throw new Error("the test cluster lets a role without password in: pg_hba.conf trusts TCP");
    }
  } finally {
    await sql.unsafe(`drop role if exists ${probe}`);
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
