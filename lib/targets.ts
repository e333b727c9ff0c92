// Owns turning settings into live targets: the configured S3 and PostgreSQL, or the embedded default.
/**
 * @example Open the targets a run needs
 * ```ts ignore
 * import { openTargets } from "./targets.ts";
 * const targets = await openTargets({ configPath: "./credentials.cfg" });
 * console.log(targets.connectUrl);
 * await targets.close();
 * ```
 */
import {
  type DbSettings,
  embeddedPortFrom,
  type EtlTargets,
  resolveSettings,
  secretValues,
  type Settings,
} from "./config/settings.ts";
import type { ExportTarget } from "./config/export_target.ts";
import type { DemoStore } from "./embedded/demo_store.ts";
import { isAbsolute, relative } from "node:path";
import {
  EMBEDDED_DEFAULTS,
  embeddedPaths,
  startEmbeddedPostgres,
} from "./embedded/embedded_postgres.ts";

/** Targets plus what the caller needs around a run. */
export interface OpenTargets extends EtlTargets {
  mode: "configured" | "embedded";
  /** `postgres://user@host:port/db`, never with a password. */
  connectUrl: string;
  /**
   * The embedded default's libpq password file, as the `connect:` line shows it (relative to the
   * working folder when inside it): `PGPASSFILE=<it> psql <connectUrl>`. Absent when configured.
   */
  passFile?: string;
  /** Values to scrub from any output. */
  secrets: string[];
  /** The embedded default's demo S3 store (absent when configured): a notebook adds a day to it. */
  demoStore?: DemoStore;
  /** Stops the demo store (the embedded PostgreSQL keeps running for psql and notebooks). */
  close(): Promise<void>;
}

/** Options of {@link openTargets}. */
export interface OpenTargetsOptions {
  /** INI file; default `./credentials.cfg`; absent means the embedded default. */
  configPath?: string;
  /** Who named `configPath` (`--config`, `environment variable ETL_CONFIG`): then it must exist. */
  configNamedBy?: string;
  /** Folder of the embedded default's state; default `.data`. */
  rootDir?: string;
  /** Port of the embedded PostgreSQL; default `ETL_EMBEDDED_PORT` from the environment, else 54329. */
  embeddedPort?: number;
  /** Receives status lines such as `demo:generate`. */
  log?: (line: string) => void;
  /** Environment for overrides; default the process environment. */
  env?: Record<string, string | undefined>;
  /** Folder that printed paths (`passFile`) are relative to; default the working folder. */
  shownFrom?: string;
}

/**
 * Resolves settings and, for the embedded default, starts (or reuses) the embedded PostgreSQL and
 * a demo S3 store, so that every run goes through the same S3 code path.
 */
export async function openTargets(options: OpenTargetsOptions = {}): Promise<OpenTargets> {
  const settings = await settingsFor(options);
  if (settings.mode === "configured") {
    return {
      mode: "configured",
      s3: settings.s3,
      db: settings.db,
      limits: settings.limits,
      ...exportTargetOf(settings),
      connectUrl: connectUrl(settings.db),
      secrets: secretValues(settings),
      close: () => Promise.resolve(),
    };
  }
  const rootDir = options.rootDir ?? EMBEDDED_DEFAULTS.rootDir;
  const db = await startEmbeddedPostgres({
    rootDir,
    port: embeddedPort(options),
    ...(options.log ? { log: options.log } : {}),
  });
  // Loaded only here: s3rver and its web stack add about 0.2 s to every configured run's start.
  const { startDemoStore } = await import("./embedded/demo_store.ts");
  const store = await startDemoStore({ rootDir, ...(options.log ? { log: options.log } : {}) });
  return {
    mode: "embedded",
    s3: store.s3,
    db,
    limits: settings.limits,
    ...exportTargetOf(settings),
    connectUrl: connectUrl(db),
    passFile: shownPath(embeddedPaths(rootDir).pgpassFile, options.shownFrom ?? Deno.cwd()),
    secrets: [db.password],
    demoStore: store,
    close: () => store.close(),
  };
}

/**
 * Resolves only the database side: the configured PostgreSQL, or the embedded one (started if
 * needed). Used by tools that read the published data, such as `deno task quality`.
 */
export async function openDatabase(
  options: OpenTargetsOptions = {},
): Promise<{ db: DbSettings; secrets: string[]; exportTarget?: ExportTarget }> {
  const settings = await settingsFor(options);
  if (settings.mode === "configured") {
    return { db: settings.db, secrets: secretValues(settings), ...exportTargetOf(settings) };
  }
  const db = await startEmbeddedPostgres({
    rootDir: options.rootDir ?? EMBEDDED_DEFAULTS.rootDir,
    port: embeddedPort(options),
    ...(options.log ? { log: options.log } : {}),
  });
  return { db, secrets: [db.password], ...exportTargetOf(settings) };
}

function exportTargetOf(settings: Settings): { exportTarget?: ExportTarget } {
  return settings.exportTarget ? { exportTarget: settings.exportTarget } : {};
}

function settingsFor(options: OpenTargetsOptions) {
  return resolveSettings({
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    ...(options.configNamedBy !== undefined ? { configNamedBy: options.configNamedBy } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.log !== undefined ? { warn: options.log } : {}),
  });
}

/**
 * Port of the embedded PostgreSQL: the option, else `ETL_EMBEDDED_PORT`, else 54329.
 *
 * @throws {PipelineError} `CONFIG_INVALID` naming `ETL_EMBEDDED_PORT` when it is not a port.
 */
export function embeddedPort(options: OpenTargetsOptions = {}): number {
  return options.embeddedPort ?? embeddedPortFrom(options.env ?? Deno.env.toObject()) ??
    EMBEDDED_DEFAULTS.port;
}

/** A psql-ready URL without the password. */
export function connectUrl(db: DbSettings): string {
  return `postgres://${encodeURIComponent(db.user)}@${db.host}:${db.port}/${
    encodeURIComponent(db.database)
  }`;
}

// Relative to `from` when inside it, so the printed command stays short; quoted for a shell when
// the path holds anything but plain characters.
function shownPath(path: string, from: string): string {
  const fromHere = relative(from, path);
  const shown = fromHere !== "" && !fromHere.startsWith("..") && !isAbsolute(fromHere)
    ? fromHere
    : path;
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", `'\\''`)}'`;
}

/** Returns a function that replaces every secret value in a text with `***`. */
export function redactor(secrets: string[]): (text: string) => string {
  const sorted = [...secrets].filter((secret) => secret !== "").sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((result, secret) => result.replaceAll(secret, "***"), text);
}
