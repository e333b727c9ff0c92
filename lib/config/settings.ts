// Owns configuration: one function resolves settings from the environment, the INI file and defaults.
/**
 * @example Resolve settings with environment overrides
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings } from "./settings.ts";
 * const settings = await resolveSettings({ configPath: "./missing.cfg", env: {} });
 * assert.ok(settings.mode === "embedded");
 * ```
 */
import { PipelineError } from "../errors.ts";
import { type ExportTarget, parseExportTarget } from "./export_target.ts";
import { type ConfigSections, readConfigFile, warnIfReadableByOthers } from "./config_file.ts";
import {
  commentHint,
  invalidSetting as invalid,
  SettingLookup,
  type SettingValue,
} from "./setting_lookup.ts";

/** Where the S3 objects come from. */
export interface S3Settings {
  /** Empty for anonymous (unsigned) requests to a public bucket. */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  bucket: string;
  /** Key prefix, normalised to end with "/" unless empty. */
  prefix: string;
  /** S3-compatible endpoint URL; when set, path-style addressing is used. */
  endpoint?: string;
}

/** Which PostgreSQL to load into. */
export interface DbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** Tuning of a run's safety limits. */
export interface RunLimits {
  /** Largest share of a file's rows that may be quarantined before the run fails; default 0.01. */
  rejectThreshold: number;
  /** Seconds without a byte from S3 before a read counts as cut and is resumed; default 60. */
  stallTimeoutSeconds: number;
  /**
   * `[ETL] PUBLISH_WAIT_SECONDS`: seconds the publish (or an incremental merge) may spend waiting,
   * in short attempts, for the locks on the published tables before the run fails with
   * `PUBLISH_BLOCKED`; default 180.
   */
  publishWaitSeconds: number;
  /**
   * `[ETL] PUBLISH_TERMINATE_AFTER_SECONDS`: a session holding those locks for this many seconds
   * is terminated (and logged); absent (the default): sessions are never terminated.
   */
  publishTerminateAfterSeconds?: number;
  /**
   * `[ETL] PRIORITY` (environment `ETL_PRIORITY`): the nice value, 1 to 19, the run's process,
   * its own PostgreSQL backends and their parallel workers run at when the server is on this
   * machine, so analysts' queries come first on a busy CPU (lib/db/run_priority.ts); default 10.
   * 0 (or `off`): leave every priority as it is.
   */
  priority: number;
}

/** Where a run reads from and loads into, and its limits. */
export interface EtlTargets {
  s3: S3Settings;
  db: DbSettings;
  limits: RunLimits;
  /** `[EXPORT] TARGET`: where the published run is exported after each successful run. */
  exportTarget?: ExportTarget;
}

/** Fully resolved settings. `embedded` means no config file: local PostgreSQL and demo S3 store. */
export type Settings =
  & (
    | { mode: "configured"; configPath: string; s3: S3Settings; db: DbSettings; limits: RunLimits }
    | { mode: "embedded"; configPath: string; limits: RunLimits }
  )
  & {
    /**
     * `[EXPORT] TARGET` (environment `ETL_EXPORT_TARGET`): where every successful run exports the
     * published data set as Parquet; absent (the default) for no export after runs.
     */
    exportTarget?: ExportTarget;
  };

/** Options of {@link resolveSettings}. */
export interface ResolveOptions {
  /** INI file; default `./credentials.cfg`. Its absence selects the embedded default. */
  configPath?: string;
  /**
   * Who named `configPath`, e.g. `--config` or `environment variable ETL_CONFIG`: a file someone
   * named must exist (`CONFIG_MISSING`). Unset (the default file): its absence selects the
   * embedded default. See {@link chooseConfigFile}.
   */
  configNamedBy?: string;
  /** Environment to read overrides from; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  /** Called with warnings such as a world-readable credentials file; default console.warn. */
  warn?: (message: string) => void;
}

const DEFAULT_LIMITS: RunLimits = {
  rejectThreshold: 0.01,
  stallTimeoutSeconds: 60,
  publishWaitSeconds: 180,
  priority: 10,
};
const DEFAULT_CONFIG_PATH = "./credentials.cfg";

/** The config file a command reads, and who named it (see {@link chooseConfigFile}). */
export interface ConfigFile {
  configPath: string;
  /** `--config` or `environment variable ETL_CONFIG`; absent for the default file. */
  configNamedBy?: string;
}

/**
 * Chooses the config file of a command: `--config FILE`, else `ETL_CONFIG`, else
 * `./credentials.cfg`. Only the last may be absent (the embedded default).
 *
 * @example A named file must exist; the default file may be absent
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseConfigFile } from "./settings.ts";
 * assert.deepEqual(chooseConfigFile("etl.cfg", {}), { configPath: "etl.cfg", configNamedBy: "--config" });
 * assert.deepEqual(chooseConfigFile(undefined, {}), { configPath: "./credentials.cfg" });
 * ```
 *
 * @param flag The value of `--config`, if given.
 * @param env Environment to read `ETL_CONFIG` from; default the process environment.
 * @returns Options for {@link resolveSettings}.
 */
export function chooseConfigFile(
  flag: string | undefined,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ConfigFile {
  if (flag !== undefined) return { configPath: flag, configNamedBy: "--config" };
  const fromEnv = (env.ETL_CONFIG ?? "").trim();
  if (fromEnv !== "") {
    return { configPath: fromEnv, configNamedBy: "environment variable ETL_CONFIG" };
  }
  return { configPath: DEFAULT_CONFIG_PATH };
}

/**
 * Reads `ETL_EMBEDDED_PORT`, the port of the embedded default's PostgreSQL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddedPortFrom } from "./settings.ts";
 * assert.equal(embeddedPortFrom({ ETL_EMBEDDED_PORT: "55432" }), 55432);
 * assert.equal(embeddedPortFrom({}), undefined);
 * assert.throws(() => embeddedPortFrom({ ETL_EMBEDDED_PORT: "abc" }), /ETL_EMBEDDED_PORT/);
 * ```
 *
 * @param env Environment; default the process environment.
 * @returns The port, or undefined when the variable is unset or empty.
 * @throws {PipelineError} `CONFIG_INVALID` naming the variable when it is not a port number.
 */
export function embeddedPortFrom(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): number | undefined {
  const text = (env.ETL_EMBEDDED_PORT ?? "").trim();
  if (text === "") return undefined;
  return parsePort(text, "ETL_EMBEDDED_PORT", "environment variable ETL_EMBEDDED_PORT");
}

/**
 * Reads `ETL_EMBEDDED_REPLICAS`, how many streaming standbys the embedded server should feed
 * (`deno task replica:start`). Above 0 the embedded server starts with `wal_level = replica`
 * (every change is WAL-logged, so a standby can replay it); 0, the default, keeps `minimal`, which
 * lets the load's `COPY` into a table created in the same transaction skip WAL. Takes effect when
 * the server starts: `deno task db:stop` first to switch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddedReplicasFrom } from "./settings.ts";
 * assert.equal(embeddedReplicasFrom({ ETL_EMBEDDED_REPLICAS: "1" }), 1);
 * assert.equal(embeddedReplicasFrom({}), 0);
 * assert.throws(() => embeddedReplicasFrom({ ETL_EMBEDDED_REPLICAS: "-1" }), /ETL_EMBEDDED_REPLICAS/);
 * ```
 *
 * @param env Environment; default the process environment.
 * @returns Standbys wanted, 0 to 8; 0 when the variable is unset or empty.
 * @throws {PipelineError} `CONFIG_INVALID` naming the variable when it is not an integer 0..8.
 */
export function embeddedReplicasFrom(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): number {
  const text = (env.ETL_EMBEDDED_REPLICAS ?? "").trim();
  if (text === "") return 0;
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(count) && count <= MAX_EMBEDDED_REPLICAS) return count;
  throw invalid(
    "ETL_EMBEDDED_REPLICAS",
    "environment variable ETL_EMBEDDED_REPLICAS",
    `expected an integer from 0 to ${MAX_EMBEDDED_REPLICAS}, got "${text}"`,
  );
}

// Each standby holds a WAL sender and a slot; a few are plenty on one 2-core machine.
const MAX_EMBEDDED_REPLICAS = 8;

/**
 * Resolves settings with one order of precedence: environment variable, then INI file, then default.
 *
 * @param options Where to look.
 * @returns The settings; `mode: "embedded"` when the config file does not exist.
 * @throws {PipelineError} `CONFIG_MISSING` naming the key and every place searched, or
 *   `CONFIG_INVALID` naming the key and the problem. Messages never contain secret values.
 */
export async function resolveSettings(options: ResolveOptions = {}): Promise<Settings> {
  const configPath = options.configPath ?? DEFAULT_CONFIG_PATH;
  const env = options.env ?? Deno.env.toObject();
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const sections = await readConfigFile(configPath);
  if (sections === undefined) {
    if (options.configNamedBy !== undefined) {
      throw new PipelineError(
        "CONFIG_MISSING",
        `Cannot find config file "${configPath}" named by ${options.configNamedBy}: only a ` +
          `missing ${DEFAULT_CONFIG_PATH}, with neither --config nor ETL_CONFIG, selects the embedded default`,
        { stage: "config" },
      );
    }
    return {
      mode: "embedded",
      configPath,
      limits: resolveLimits({}, configPath, env),
      ...resolveExportTarget({}, configPath, env),
    };
  }
  await warnIfReadableByOthers(configPath, warn);
  const lookup = new SettingLookup(sections, configPath, env);
  const endpoint = lookup.find("S3", "ENDPOINT", "AWS_ENDPOINT_URL_S3");
  const s3: S3Settings = {
    accessKeyId: lookup.optional("S3", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID") ?? "",
    secretAccessKey: lookup.optional("S3", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY") ?? "",
    region: lookup.required("S3", "REGION", "AWS_REGION"),
    bucket: lookup.required("S3", "BUCKET"),
    prefix: normalisePrefix(lookup.optional("S3", "PREFIX") ?? ""),
  };
  if (endpoint !== undefined) s3.endpoint = validateEndpoint(endpoint.text, endpoint.source);
  if ((s3.accessKeyId === "") !== (s3.secretAccessKey === "")) {
    throw invalid(
      "S3.AWS_SECRET_ACCESS_KEY",
      lookup.file,
      "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither for anonymous access",
    );
  }
  const port = lookup.withDefault("DB", "PORT", "PGPORT", "5432");
  const db: DbSettings = {
    host: lookup.required("DB", "HOST", "PGHOST"),
    port: parsePort(port.text, "DB.PORT", port.source),
    database: lookup.required("DB", "DATABASE", "PGDATABASE"),
    user: lookup.required("DB", "USER", "PGUSER"),
    password: lookup.optional("DB", "PASSWORD", "PGPASSWORD") ?? "",
  };
  return {
    mode: "configured",
    configPath,
    s3,
    db,
    limits: resolveLimits(sections, configPath, env),
    ...resolveExportTarget(sections, configPath, env),
  };
}

/** Values that must never be printed: used to scrub any text that leaves the process. */
export function secretValues(settings: Settings): string[] {
  if (settings.mode === "embedded") return [];
  return [settings.s3.accessKeyId, settings.s3.secretAccessKey, settings.db.password]
    .filter((value) => value.length >= 4);
}

function resolveExportTarget(
  sections: ConfigSections,
  configPath: string,
  env: Record<string, string | undefined>,
): { exportTarget?: ExportTarget } {
  const found = new SettingLookup(sections, configPath, env).find(
    "EXPORT",
    "TARGET",
    "ETL_EXPORT_TARGET",
  );
  if (found === undefined) return {};
  try {
    return { exportTarget: parseExportTarget(found.text) };
  } catch (error) {
    throw invalid(
      "EXPORT.TARGET",
      found.source,
      `${error instanceof Error ? error.message : String(error)}${commentHint(found.text)}`,
    );
  }
}

function resolveLimits(
  sections: ConfigSections,
  configPath: string,
  env: Record<string, string | undefined>,
): RunLimits {
  const lookup = new SettingLookup(sections, configPath, env);
  const threshold = lookup.find("ETL", "REJECT_THRESHOLD", "ETL_REJECT_THRESHOLD");
  const stall = lookup.find("ETL", "STALL_TIMEOUT_SECONDS", "ETL_STALL_TIMEOUT_SECONDS");
  const limits = { ...DEFAULT_LIMITS };
  if (threshold !== undefined) {
    const share = Number(threshold.text);
    if (!Number.isFinite(share) || share < 0 || share > 1) {
      throw invalid(
        "ETL.REJECT_THRESHOLD",
        threshold.source,
        `expected a share from 0 to 1, got "${threshold.text}"${commentHint(threshold.text)}`,
      );
    }
    limits.rejectThreshold = share;
  }
  if (stall !== undefined) {
    const seconds = Number(stall.text);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw invalid(
        "ETL.STALL_TIMEOUT_SECONDS",
        stall.source,
        `expected seconds above 0, got "${stall.text}"${commentHint(stall.text)}`,
      );
    }
    limits.stallTimeoutSeconds = seconds;
  }
  const wait = lookup.find("ETL", "PUBLISH_WAIT_SECONDS", "ETL_PUBLISH_WAIT_SECONDS");
  if (wait !== undefined) {
    limits.publishWaitSeconds = positiveSeconds("ETL.PUBLISH_WAIT_SECONDS", wait);
  }
  const terminate = lookup.find(
    "ETL",
    "PUBLISH_TERMINATE_AFTER_SECONDS",
    "ETL_PUBLISH_TERMINATE_AFTER_SECONDS",
  );
  if (terminate !== undefined) {
    limits.publishTerminateAfterSeconds = positiveSeconds(
      "ETL.PUBLISH_TERMINATE_AFTER_SECONDS",
      terminate,
    );
  }
  const priority = lookup.find("ETL", "PRIORITY", "ETL_PRIORITY");
  if (priority !== undefined) limits.priority = parsePriority(priority);
  return limits;
}

// `off` or a nice value: raising it is all an unprivileged process may do, and 19 is the last.
function parsePriority(found: SettingValue): number {
  const text = found.text.trim().toLowerCase();
  if (text === "off") return 0;
  const nice = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(nice) && nice <= 19) return nice;
  throw invalid(
    "ETL.PRIORITY",
    found.source,
    `expected a nice value from 0 to 19, or off, got "${found.text}"${commentHint(found.text)}`,
  );
}

function positiveSeconds(key: string, found: SettingValue): number {
  const seconds = Number(found.text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw invalid(
      key,
      found.source,
      `expected seconds above 0, got "${found.text}"${commentHint(found.text)}`,
    );
  }
  return seconds;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed === "" || trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}

function validateEndpoint(endpoint: string, source: string): string {
  try {
    const url = new URL(endpoint);
    if (url.protocol === "http:" || url.protocol === "https:") return endpoint;
  } catch {
    // reported below
  }
  throw invalid(
    "S3.ENDPOINT",
    source,
    `expected an http(s) URL, got "${endpoint}"${commentHint(endpoint)}`,
  );
}

function parsePort(text: string, key: string, source: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  throw invalid(
    key,
    source,
    `expected an integer from 1 to 65535, got "${text}"${commentHint(text)}`,
  );
}
