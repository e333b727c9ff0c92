// Owns PgBouncer's configuration for analysts: deploy/pgbouncer/pgbouncer.ini filled in from the
// database settings, and an auth file of the analyst roles' SCRAM-SHA-256 verifiers, both mode 0600.
/**
 * @example Write the configuration for the embedded server's analysts
 * ```ts ignore
 * import { writePgbouncerConfig } from "./pgbouncer_config.ts";
 * const written = await writePgbouncerConfig(db, { dir: ".data/pgbouncer", port: 6432 });
 * console.log(written.iniPath, written.roles); // the roles let in, never their verifiers
 * ```
 */
import { join, resolve } from "node:path";
import type { DbSettings } from "../config/settings.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { createClient } from "../db/create_client.ts";
import { sqlText } from "../db/sql_files.ts";

/** The template `deno task serve:pgbouncer` fills in. */
export const PGBOUNCER_TEMPLATE = new URL("../../deploy/pgbouncer/pgbouncer.ini", import.meta.url)
  .pathname;

/** Values of the template's `{{NAME}}` placeholders. */
export interface PgbouncerValues {
  /** Database name clients ask for, the same as PostgreSQL's. */
  database: string;
  dbHost: string;
  dbPort: number;
  /** PgBouncer's port on 127.0.0.1. */
  listenPort: number;
  authFile: string;
  logFile: string;
  pidFile: string;
}

/**
 * Fills in the template. Values are checked, not quoted: PgBouncer's INI has no escaping, so a
 * name or path with spaces, quotes or `;` is refused rather than silently misread.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderPgbouncerIni } from "./pgbouncer_config.ts";
 * const ini = renderPgbouncerIni("[databases]\n{{DATABASE}} = port={{DB_PORT}}\n", {
 *   database: "anime", dbHost: "127.0.0.1", dbPort: 5432, listenPort: 6432,
 *   authFile: "/a", logFile: "/l", pidFile: "/p",
 * });
 * assert.equal(ini, "[databases]\nanime = port=5432\n");
 * ```
 *
 * @throws {PipelineError} `CONFIG_INVALID` naming the value that PgBouncer could not read back.
 */
export function renderPgbouncerIni(template: string, values: PgbouncerValues): string {
  const text: Record<string, string> = {
    DATABASE: values.database,
    DB_HOST: values.dbHost,
    DB_PORT: String(values.dbPort),
    LISTEN_PORT: String(values.listenPort),
    AUTH_FILE: values.authFile,
    LOG_FILE: values.logFile,
    PID_FILE: values.pidFile,
  };
  for (const [name, value] of Object.entries(text)) {
    if (!/^[A-Za-z0-9_./:-]+$/.test(value)) {
      throw new PipelineError(
        "CONFIG_INVALID",
        `Cannot write PgBouncer's configuration: its ${name} "${value}" holds a character ` +
          "PgBouncer's configuration cannot carry (only letters, digits and _ . / : -)",
        { stage: "config" },
      );
    }
  }
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (placeholder, name: string) => {
    const value = text[name];
    if (value === undefined) {
      throw new RangeError(`Unknown placeholder ${placeholder} in PgBouncer's template`);
    }
    return value;
  });
}

/**
 * PgBouncer's auth file: one `"role" "verifier"` line per role, `"` doubled inside names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderAuthFile } from "./pgbouncer_config.ts";
 * assert.equal(renderAuthFile([{ role: 'a"b', verifier: "SCRAM-SHA-256$x" }]), '"a""b" "SCRAM-SHA-256$x"\n');
 * ```
 */
export function renderAuthFile(entries: { role: string; verifier: string }[]): string {
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  return entries.map(({ role, verifier }) => `${quote(role)} ${quote(verifier)}\n`).join("");
}

/** Options of {@link writePgbouncerConfig}. */
export interface PgbouncerConfigOptions {
  /** Folder of pgbouncer.ini, userlist.txt, the log and pid file; default `.data/pgbouncer`. */
  dir?: string;
  /** PgBouncer's port on 127.0.0.1; default 6432. */
  port?: number;
  /** The template; default {@link PGBOUNCER_TEMPLATE}. */
  template?: string;
}

/** What {@link writePgbouncerConfig} wrote. */
export interface PgbouncerConfig {
  dir: string;
  iniPath: string;
  authFile: string;
  logFile: string;
  port: number;
  /** The analyst roles let in. */
  roles: string[];
  /** Analyst roles left out: they have no SCRAM-SHA-256 password (grant-analyst --password-env). */
  skipped: string[];
}

/**
 * Reads the analysts' SCRAM verifiers from `pg_authid` (as a superuser: `db` is the pipeline's own
 * connection) and writes the auth file and pgbouncer.ini, each mode 0600 in a 0700 folder (owned by
 * the `postgres` account when run as root, which PgBouncer runs as). Secrets are never printed.
 *
 * @throws {PipelineError} `ROLE_REFUSED` when the verifiers cannot be read (not a superuser) or no
 *   analyst role has a password; `CONFIG_INVALID` for a value PgBouncer cannot carry.
 */
export async function writePgbouncerConfig(
  db: DbSettings,
  options: PgbouncerConfigOptions = {},
): Promise<PgbouncerConfig> {
  const dir = resolve(options.dir ?? ".data/pgbouncer");
  const port = options.port ?? 6432;
  const sql = createClient(db, { applicationName: "anime-etl-pgbouncer" });
  let rows: { role: string; verifier: string | null }[];
  try {
    rows = await sql.unsafe(await sqlText("serve/analyst_verifiers"));
  } catch (error) {
    throw new PipelineError(
      "ROLE_REFUSED",
      `Cannot read the analysts' password verifiers as role "${db.user}": ${
        errorMessage(error)
      } (it takes a superuser, who may read pg_authid)`,
      { stage: "config", cause: error },
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
  const entries = rows.filter((row): row is { role: string; verifier: string } =>
    row.verifier !== null
  );
  if (entries.length === 0) {
    throw new PipelineError(
      "ROLE_REFUSED",
      `Cannot write PgBouncer's auth file: no analyst role with a SCRAM-SHA-256 password in ` +
        `database "${db.database}"; make one with deno task grant-analyst --role NAME ` +
        "--password-env VAR",
      { stage: "config" },
    );
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  const authFile = join(dir, "userlist.txt");
  const iniPath = join(dir, "pgbouncer.ini");
  const logFile = join(dir, "pgbouncer.log");
  const ini = renderPgbouncerIni(
    await Deno.readTextFile(options.template ?? PGBOUNCER_TEMPLATE),
    {
      database: db.database,
      dbHost: db.host,
      dbPort: db.port,
      listenPort: port,
      authFile,
      logFile,
      pidFile: join(dir, "pgbouncer.pid"),
    },
  );
  await writePrivate(authFile, renderAuthFile(entries));
  await writePrivate(iniPath, ini);
  if (Deno.uid() === 0) {
    const account = await pgbouncerAccount();
    for (const path of [dir, authFile, iniPath]) await Deno.chown(path, account.uid, account.gid);
  }
  return {
    dir,
    iniPath,
    authFile,
    logFile,
    port,
    roles: entries.map((entry) => entry.role),
    skipped: rows.filter((row) => row.verifier === null).map((row) => row.role),
  };
}

/** The account PgBouncer runs as when started by root: it refuses to run as root itself. */
export const PGBOUNCER_ACCOUNT = "postgres";

/** Ids of {@link PGBOUNCER_ACCOUNT}. */
export async function pgbouncerAccount(): Promise<{ uid: number; gid: number }> {
  const passwd = await Deno.readTextFile("/etc/passwd");
  const line = passwd.split("\n").find((entry) => entry.startsWith(`${PGBOUNCER_ACCOUNT}:`));
  const fields = line?.split(":");
  if (!fields || fields.length < 4) {
    throw new PipelineError(
      "CONFIG_INVALID",
      `Cannot run PgBouncer as root: there is no "${PGBOUNCER_ACCOUNT}" account for it to run as`,
      { stage: "config" },
    );
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

// Written empty with mode 0600 first, so the secret is never readable by others, even briefly.
async function writePrivate(path: string, text: string) {
  await Deno.writeTextFile(path, "", { mode: 0o600 });
  await Deno.chmod(path, 0o600);
  await Deno.writeTextFile(path, text);
}
