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
import ini from "ini";
import { PipelineError } from "../errors.ts";

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
}

/** Fully resolved settings. `embedded` means no config file: local PostgreSQL and demo S3 store. */
export type Settings =
  | { mode: "configured"; configPath: string; s3: S3Settings; db: DbSettings; limits: RunLimits }
  | { mode: "embedded"; configPath: string; limits: RunLimits };

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

type IniSections = Record<string, Record<string, unknown> | undefined>;

const DEFAULT_LIMITS: RunLimits = { rejectThreshold: 0.01, stallTimeoutSeconds: 60 };
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
  const text = await readConfigFile(configPath);
  if (text === undefined) {
    if (options.configNamedBy !== undefined) {
      throw new PipelineError(
        "CONFIG_MISSING",
        `Cannot find config file "${configPath}" named by ${options.configNamedBy}: only a ` +
          `missing ${DEFAULT_CONFIG_PATH}, with neither --config nor ETL_CONFIG, selects the embedded default`,
        { stage: "config" },
      );
    }
    return { mode: "embedded", configPath, limits: resolveLimits({}, configPath, env) };
  }
  await warnIfReadableByOthers(configPath, warn);
  const sections = parseConfigText(text, configPath);
  const lookup = makeLookup(sections, configPath, env);
  const endpoint = lookup.optional("S3", "ENDPOINT", "AWS_ENDPOINT_URL_S3");
  const s3: S3Settings = {
    accessKeyId: lookup.optional("S3", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID") ?? "",
    secretAccessKey: lookup.optional("S3", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY") ?? "",
    region: lookup.required("S3", "REGION", "AWS_REGION"),
    bucket: lookup.required("S3", "BUCKET"),
    prefix: normalisePrefix(lookup.optional("S3", "PREFIX") ?? ""),
  };
  if (endpoint !== undefined) {
    s3.endpoint = validateEndpoint(endpoint, lookup.source("AWS_ENDPOINT_URL_S3"));
  }
  if ((s3.accessKeyId === "") !== (s3.secretAccessKey === "")) {
    throw invalid(
      "S3.AWS_SECRET_ACCESS_KEY",
      lookup.source(),
      "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither for anonymous access",
    );
  }
  const db: DbSettings = {
    host: lookup.required("DB", "HOST", "PGHOST"),
    port: parsePort(
      lookup.optional("DB", "PORT", "PGPORT") ?? "5432",
      "DB.PORT",
      lookup.source("PGPORT"),
    ),
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
  };
}

/** Values that must never be printed: used to scrub any text that leaves the process. */
export function secretValues(settings: Settings): string[] {
  if (settings.mode === "embedded") return [];
  return [settings.s3.accessKeyId, settings.s3.secretAccessKey, settings.db.password]
    .filter((value) => value.length >= 4);
}

function makeLookup(
  sections: IniSections,
  configPath: string,
  env: Record<string, string | undefined>,
) {
  const places = (section: string, key: string, envName?: string) =>
    [
      ...(envName ? [`environment variable ${envName}`] : []),
      `[${section}] ${key} in "${configPath}"`,
    ].join(", ");
  // Where a value came from, for messages: the variable when it is set, else the file.
  const source = (envName?: string): string =>
    envName !== undefined && (env[envName] ?? "").trim() !== ""
      ? `environment variable ${envName}`
      : `"${configPath}"`;
  const optional = (section: string, key: string, envName?: string): string | undefined => {
    const fromEnv = envName ? env[envName] : undefined;
    if (fromEnv !== undefined && fromEnv.trim() !== "") return fromEnv.trim();
    const value = sections[section]?.[key];
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === "" ? undefined : text;
  };
  const required = (section: string, key: string, envName?: string): string => {
    const value = optional(section, key, envName);
    if (value !== undefined) return value;
    throw new PipelineError(
      "CONFIG_MISSING",
      `Cannot find setting ${section}.${key}: searched ${places(section, key, envName)}`,
      { stage: "config" },
    );
  };
  return { optional, required, source };
}

function resolveLimits(
  sections: IniSections,
  configPath: string,
  env: Record<string, string | undefined>,
): RunLimits {
  const lookup = makeLookup(sections, configPath, env);
  const threshold = lookup.optional("ETL", "REJECT_THRESHOLD", "ETL_REJECT_THRESHOLD");
  const stall = lookup.optional("ETL", "STALL_TIMEOUT_SECONDS", "ETL_STALL_TIMEOUT_SECONDS");
  const limits = { ...DEFAULT_LIMITS };
  if (threshold !== undefined) {
    const share = Number(threshold);
    if (!Number.isFinite(share) || share < 0 || share > 1) {
      throw invalid(
        "ETL.REJECT_THRESHOLD",
        lookup.source("ETL_REJECT_THRESHOLD"),
        `expected a share from 0 to 1, got "${threshold}"${commentHint(threshold)}`,
      );
    }
    limits.rejectThreshold = share;
  }
  if (stall !== undefined) {
    const seconds = Number(stall);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw invalid(
        "ETL.STALL_TIMEOUT_SECONDS",
        lookup.source("ETL_STALL_TIMEOUT_SECONDS"),
        `expected seconds above 0, got "${stall}"${commentHint(stall)}`,
      );
    }
    limits.stallTimeoutSeconds = seconds;
  }
  return limits;
}

async function readConfigFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new PipelineError("CONFIG_INVALID", `Cannot read config file "${path}"`, {
      stage: "config",
      cause: error,
    });
  }
}

async function warnIfReadableByOthers(path: string, warn: (message: string) => void) {
  const { mode } = await Deno.stat(path);
  if (mode !== null && (mode & 0o077) !== 0) {
    warn(
      `config:warning "${path}" is readable by other users (mode ${(mode & 0o777).toString(8)}): ` +
        `run chmod 600 "${path}"`,
    );
  }
}

// Every line must be blank, a comment, a [SECTION] or KEY = VALUE, each key once per section: ini
// would read any other line as a key set to true and a repeated key as a list, so a lost "=" or a
// pasted duplicate would silently change a setting. configparser (the capstone's reader) refuses
// both too. Lines are not quoted in messages: one may be a password pasted on its own.
function parseConfigText(text: string, configPath: string): IniSections {
  const lines = text.split(/\r\n|\r|\n/).map((line) => line.trimStart());
  const refuse = (lineNumber: number, problem: string) =>
    new PipelineError(
      "CONFIG_INVALID",
      `Cannot parse config file "${configPath}": line ${lineNumber} ${problem}`,
      { stage: "config" },
    );
  const seen = new Map<string, number>();
  let section = "";
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (line.trim() === "" || /^[;#]/.test(line)) return;
    if (header) {
      section = header[1]!;
      return;
    }
    const equals = line.indexOf("=");
    if (equals === 0) throw refuse(lineNumber, `has no key before "="`);
    if (equals < 0) {
      throw refuse(lineNumber, "is not KEY = VALUE, [SECTION] or a comment starting with ; or #");
    }
    const key = `${section}.${line.slice(0, equals).trim()}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw refuse(lineNumber, `sets ${key.replace(/^\./, "")} again (first set on line ${first})`);
    }
    seen.set(key, lineNumber);
  });
  try {
    return ini.parse(escapeInlineComments(lines.join("\n"))) as IniSections;
  } catch (error) {
    throw new PipelineError("CONFIG_INVALID", `Cannot parse config file "${configPath}"`, {
      stage: "config",
      cause: error,
    });
  }
}

// ini reads an unquoted `;` or `#` as the start of a comment, which cuts a password such as `pa#ss`
// to `pa`; configparser files (the capstone's credentials.cfg) keep them. Escaping them (and
// backslashes, ini's escape character) in unquoted values makes ini return the value verbatim.
function escapeInlineComments(text: string): string {
  return text.replace(/^([ \t]*[^\s;#[][^=\r\n]*=)(.*)$/gm, (line, key: string, value: string) => {
    const trimmed = value.trim();
    if (/^(["']).*\1$/.test(trimmed)) return line;
    return key + value.replace(/[\\;#]/g, "\\$&");
  });
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

// configparser keeps `;` and `#` inside values (passwords hold them), so a comment after a value
// becomes part of it: say so when a refused value looks like one.
function commentHint(text: string): string {
  return /\s[;#]/.test(text)
    ? ` (a ; or # after a value is part of the value: put comments on a line of their own)`
    : "";
}

// `source` is a quoted file path or `environment variable NAME`.
function invalid(key: string, source: string, problem: string): PipelineError {
  return new PipelineError(
    "CONFIG_INVALID",
    `Invalid setting ${key} (from ${source}): ${problem}`,
    {
      stage: "config",
    },
  );
}
