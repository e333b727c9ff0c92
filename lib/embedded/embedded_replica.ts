// Owns the embedded server's hot standby: a streaming replica under `.data/replica/`, made from a
// base backup (pg_backup_start, a file copy, pg_backup_stop) with PostgreSQL 17's own binaries.
/**
 * @example Start a standby of the embedded server, read from it, stop it
 * ```ts ignore
 * import { startEmbeddedReplica, stopEmbeddedReplica } from "./embedded_replica.ts";
 * const standby = await startEmbeddedReplica({ rootDir: ".data", primaryPort: 54329, port: 54330 });
 * console.log(standby.port); // analysts' roles log in here as on the primary
 * await stopEmbeddedReplica({ rootDir: ".data", primaryPort: 54329 });
 * ```
 */
import { join, resolve } from "node:path";
import type { Sql } from "postgres";
import { type DbSettings, embeddedReplicasFrom } from "../config/settings.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { createClient } from "../db/create_client.ts";
import { sqlText } from "../db/sql_files.ts";
import { scramVerifier } from "../security/scram_verifier.ts";
import {
  embeddedPaths,
  REPLICATION_HBA_LINE,
  REPLICATION_ROLE,
  replicationOptions,
  runEmbeddedTool,
  startEmbeddedPostgres,
} from "./embedded_postgres.ts";

/** How a standby treats readers whose snapshot conflicts with the WAL it replays. */
export interface StandbySettings {
  /**
   * `hot_standby_feedback`: the standby tells the primary which rows its readers still see, so
   * VACUUM there keeps them and the standby never cancels a query for a cleanup; default true.
   */
  hotStandbyFeedback: boolean;
  /**
   * `max_standby_streaming_delay`, in PostgreSQL's units: how long replay waits for readers that
   * hold a lock it needs (a publish's `DROP TABLE`) before cancelling them. While it waits, new
   * readers of those tables queue behind the replayed lock; default `1s` (docs/serving.md).
   */
  maxStandbyStreamingDelay: string;
}

/** The settings {@link startEmbeddedReplica} writes unless told otherwise (docs/serving.md). */
export const DEFAULT_STANDBY_SETTINGS: StandbySettings = {
  hotStandbyFeedback: true,
  maxStandbyStreamingDelay: "1s",
};

/** Options of {@link startEmbeddedReplica} and {@link stopEmbeddedReplica}. */
export interface ReplicaOptions {
  /** The embedded server's folder; default `.data`. The standby lives in `<rootDir>/replica/`. */
  rootDir?: string;
  /** Port of the primary (the embedded server); default 54329. */
  primaryPort?: number;
  /** Port of the standby on 127.0.0.1; default the primary's plus one. */
  port?: number;
  /** Settings written when the standby is created; each defaults to {@link DEFAULT_STANDBY_SETTINGS}. */
  standby?: Partial<StandbySettings>;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

/** The standby as {@link startEmbeddedReplica} leaves it. */
export interface EmbeddedReplica {
  /** Superuser connection settings of the standby (the primary's password: roles replicate). */
  db: DbSettings;
  port: number;
  /** True when this call made it (base backup), false when an existing standby was started. */
  created: boolean;
  dataDir: string;
}

const SLOT = "anime_replica";
const APPLICATION = "anime_replica";

/** Where the standby keeps its cluster, socket and the replication role's password. */
export function replicaPaths(rootDir: string = ".data") {
  const root = join(resolve(rootDir), "replica");
  return {
    root,
    dataDir: join(root, "postgres"),
    socketDir: join(root, "socket"),
    passwordFile: join(resolve(rootDir), "replica-password"),
    logFile: join(root, "postgres", "server.log"),
  };
}

/**
 * Creates (first time) and starts a hot standby of the embedded server. The primary must run with
 * `wal_level = replica` (`ETL_EMBEDDED_REPLICAS=1`); it is started so if it is not running. The
 * first start makes the replication role and a physical slot, takes a base backup with
 * `pg_backup_start`/`pg_backup_stop` and a file copy, writes `standby.signal` and
 * `primary_conninfo`, and waits until the standby accepts connections.
 *
 * @returns The standby's connection settings.
 * @throws {PipelineError} `EMBEDDED_POSTGRES` when the primary runs with `wal_level = minimal`
 *   (saying how to switch), or the standby cannot be made or started (its log's last lines).
 */
export async function startEmbeddedReplica(options: ReplicaOptions = {}): Promise<EmbeddedReplica> {
  const rootDir = options.rootDir ?? ".data";
  const primaryPort = options.primaryPort ?? 54329;
  const port = options.port ?? primaryPort + 1;
  const log = options.log ?? ((line: string) => console.error(line));
  const replicas = Math.max(1, embeddedReplicasFrom());
  const primary = await startEmbeddedPostgres({
    rootDir,
    port: primaryPort,
    database: "postgres",
    replicas,
    log,
  });
  const paths = replicaPaths(rootDir);
  const primaryData = embeddedPaths(rootDir).dataDir;
  const owner = await Deno.stat(primaryData);
  const ids = { uid: owner.uid!, gid: owner.gid! };
  const sql = createClient(primary, { applicationName: "anime-etl-replica", max: 1 });
  let created = false;
  try {
    const [level] = await sql<{ wal_level: string }[]>`show wal_level`;
    if (level?.wal_level === "minimal") {
      throw new PipelineError(
        "EMBEDDED_POSTGRES",
        `Cannot start a standby of the embedded server on port ${primaryPort}: it runs with ` +
          "wal_level=minimal, which a standby cannot replay; stop it (deno task db:stop) and " +
          "set ETL_EMBEDDED_REPLICAS=1 for every command that may start it, e.g. " +
          "ETL_EMBEDDED_REPLICAS=1 deno task replica:start",
        { stage: "runtime" },
      );
    }
    if (!(await exists(join(paths.dataDir, "PG_VERSION")))) {
      // Searchable by the server's account, which owns the folders inside.
      await Deno.mkdir(paths.root, { recursive: true, mode: 0o755 });
      await Deno.chmod(paths.root, 0o755);
      log(`replica:backup base backup of ${primaryData} into ${paths.dataDir}`);
      await prepareReplication(sql, primaryData, paths.passwordFile);
      await baseBackup(sql, primaryData, paths.dataDir, ids);
      await writeStandbyConfig(paths.dataDir, {
        primaryPort,
        password: (await Deno.readTextFile(paths.passwordFile)).trim(),
        settings: { ...DEFAULT_STANDBY_SETTINGS, ...options.standby },
      });
      created = true;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  await Deno.mkdir(paths.socketDir, { recursive: true, mode: 0o700 });
  await Deno.chmod(paths.socketDir, 0o700);
  if (Deno.uid() === 0) await Deno.chown(paths.socketDir, ids.uid, ids.gid);
  const status = await runEmbeddedTool("pg_ctl", ["status", `--pgdata=${paths.dataDir}`], {
    rootDir,
  });
  if (!status.ok) {
    const started = await runEmbeddedTool("pg_ctl", [
      "start",
      "--wait",
      "--timeout=120",
      `--pgdata=${paths.dataDir}`,
      `--log=${paths.logFile}`,
      `--options=-p ${port} -h 127.0.0.1 -k '${paths.socketDir.replaceAll("'", `'\\''`)}' ` +
      "-c unix_socket_permissions=0700" +
      replicationOptions(replicas).map((option) => ` -c ${option}`).join(""),
    ], { rootDir });
    if (!started.ok) {
      throw new PipelineError(
        "EMBEDDED_POSTGRES",
        `Cannot start the standby on port ${port}: ${started.output.trim()}\n` +
          (await tailOf(paths.logFile)),
        { stage: "runtime" },
      );
    }
  }
  return { db: { ...primary, port }, port, created, dataDir: paths.dataDir };
}

/**
 * Stops the standby if it runs. With `remove`, also deletes it and drops its slot on the primary
 * (a kept slot holds WAL back for the standby, up to `max_slot_wal_keep_size`).
 *
 * @returns Whether a running standby was stopped.
 */
export async function stopEmbeddedReplica(
  options: ReplicaOptions & { remove?: boolean } = {},
): Promise<boolean> {
  const rootDir = options.rootDir ?? ".data";
  const paths = replicaPaths(rootDir);
  let stopped = false;
  if (await exists(join(paths.dataDir, "PG_VERSION"))) {
    const status = await runEmbeddedTool("pg_ctl", ["status", `--pgdata=${paths.dataDir}`], {
      rootDir,
    });
    if (status.ok) {
      const result = await runEmbeddedTool(
        "pg_ctl",
        ["stop", "--wait", "--mode=fast", `--pgdata=${paths.dataDir}`],
        { rootDir },
      );
      if (!result.ok) {
        throw new PipelineError(
          "EMBEDDED_POSTGRES",
          `Cannot stop the standby: ${result.output.trim()}`,
          { stage: "runtime" },
        );
      }
      stopped = true;
    }
  }
  if (options.remove) {
    await Deno.remove(paths.root, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    const primary = await startEmbeddedPostgres({
      rootDir,
      port: options.primaryPort ?? 54329,
      database: "postgres",
      ...(options.log ? { log: options.log } : {}),
    });
    const sql = createClient(primary, { applicationName: "anime-etl-replica" });
    try {
      await sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots
        where slot_name = ${SLOT}`;
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  return stopped;
}

// The replication role (its password made once, in a 0600 file), its pg_hba.conf line (added to a
// cluster made before it), and a slot that keeps the WAL from the backup on until the standby asks.
async function prepareReplication(sql: Sql, primaryData: string, passwordFile: string) {
  let password = (await readText(passwordFile))?.trim();
  if (!password) {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    password = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
    await Deno.writeTextFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  await Deno.chmod(passwordFile, 0o600);
  const verifier = await scramVerifier(password);
  await sql.begin(async (tx) => {
    await tx.unsafe(await sqlText("replica/set_replication_role"), [REPLICATION_ROLE, verifier]);
    await tx.unsafe(await sqlText("replica/replication_role"));
  });
  const hbaPath = join(primaryData, "pg_hba.conf");
  const hba = await Deno.readTextFile(hbaPath);
  if (!hba.split("\n").includes(REPLICATION_HBA_LINE)) {
    await Deno.writeTextFile(hbaPath, `${REPLICATION_HBA_LINE}\n`, { append: true });
    await sql`select pg_reload_conf()`;
  }
  await sql.unsafe(await sqlText("replica/create_slot"), [SLOT]);
}

// Files the standby must not inherit: the primary's pid and log, its WAL (streamed from the slot
// instead), its slots and temporary statistics (PostgreSQL's base backup protocol skips the same).
const SKIPPED = new Set([
  "postmaster.pid",
  "postmaster.opts",
  "server.log",
  "standby.signal",
  "recovery.signal",
  "backup_label",
  "tablespace_map",
]);
const EMPTIED = new Set(["pg_wal", "pg_replslot", "pg_stat_tmp", "pg_snapshots", "pg_dynshmem"]);

async function baseBackup(
  sql: Sql,
  from: string,
  to: string,
  ids: { uid: number; gid: number },
) {
  await Deno.mkdir(to, { recursive: true, mode: 0o700 });
  try {
    if (Deno.uid() === 0) await Deno.chown(to, ids.uid, ids.gid);
    // One session holds the backup: pg_backup_stop must run where pg_backup_start did.
    const session = await sql.reserve();
    try {
      await session`select pg_backup_start('anime-replica', true)`;
      await copyTree(from, to, ids, true);
      const [stop] = await session<{ labelfile: string }[]>`
        select labelfile from pg_backup_stop(false)`;
      await Deno.writeTextFile(join(to, "backup_label"), stop!.labelfile, { mode: 0o600 });
      if (Deno.uid() === 0) await Deno.chown(join(to, "backup_label"), ids.uid, ids.gid);
    } finally {
      session.release();
    }
    for (const folder of ["pg_wal/archive_status", "pg_wal/summaries"]) {
      await Deno.mkdir(join(to, folder), { recursive: true, mode: 0o700 });
      if (Deno.uid() === 0) await Deno.chown(join(to, folder), ids.uid, ids.gid);
    }
  } catch (error) {
    await Deno.remove(to, { recursive: true }).catch(() => {});
    throw new PipelineError(
      "EMBEDDED_POSTGRES",
      `Cannot take the base backup of the embedded server: ${errorMessage(error)}`,
      { stage: "runtime", cause: error },
    );
  }
}

// A copy of a running cluster: files may vanish while it is made (a dropped table, a temporary
// statistics file); the WAL replayed from the backup's start repairs whatever was copied mid-write.
async function copyTree(
  from: string,
  to: string,
  ids: { uid: number; gid: number },
  top: boolean,
) {
  for await (const entry of Deno.readDir(from)) {
    if (top && SKIPPED.has(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    try {
      if (entry.isDirectory) {
        await Deno.mkdir(target, { mode: 0o700 });
        if (!(top && EMPTIED.has(entry.name))) await copyTree(source, target, ids, false);
      } else if (entry.isFile) {
        await Deno.copyFile(source, target);
        await Deno.chmod(target, 0o600);
      } else {
        continue;
      }
      if (Deno.uid() === 0) await Deno.chown(target, ids.uid, ids.gid);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

async function writeStandbyConfig(
  dataDir: string,
  options: { primaryPort: number; password: string; settings: StandbySettings },
) {
  const conninfo = [
    "host=127.0.0.1",
    `port=${options.primaryPort}`,
    `user=${REPLICATION_ROLE}`,
    `password=${options.password}`,
    `application_name=${APPLICATION}`,
  ].join(" ");
  const lines = [
    "# anime-etl: hot standby of the embedded server (lib/embedded/embedded_replica.ts).",
    `primary_conninfo = '${conninfo.replaceAll("'", "''")}'`,
    `primary_slot_name = '${SLOT}'`,
    "hot_standby = on",
    `hot_standby_feedback = ${options.settings.hotStandbyFeedback ? "on" : "off"}`,
    `max_standby_streaming_delay = '${options.settings.maxStandbyStreamingDelay}'`,
    "",
  ].join("\n");
  // postgresql.auto.conf stays 0600 in the 0700 cluster: the password is for the server only.
  await Deno.writeTextFile(join(dataDir, "postgresql.auto.conf"), lines, { append: true });
  await Deno.writeTextFile(join(dataDir, "standby.signal"), "", { mode: 0o600 });
  const owner = await Deno.stat(dataDir);
  if (Deno.uid() === 0) await Deno.chown(join(dataDir, "standby.signal"), owner.uid!, owner.gid!);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
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

async function tailOf(path: string): Promise<string> {
  return ((await readText(path)) ?? "").split("\n").slice(-15).join("\n");
}
