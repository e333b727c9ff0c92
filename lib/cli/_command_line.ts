// Owns the shared command-line contract of the CLIs: `--help` lists the options declared to the
// parser (with defaults), the configuration read and the exit codes, and exits 0; a bad flag prints
// its message and the usage line and exits 2; a failure prints one line with its error code.
import { parseArgs, type ParseArgsOptionDescriptor } from "node:util";
import { errorMessage, PipelineError } from "../errors.ts";

/** What `--help` says about one option, next to what the parser needs. */
export interface OptionHelp {
  /** What the option does. */
  description?: string;
  /** Placeholder of a string option's value, e.g. `FILE`; default the name in capitals. */
  value?: string;
  /** The default in words when it is not the parser's `default`, e.g. `ETL_CONFIG, else ...`. */
  defaultText?: string;
  /** True when the command cannot run without it: missing, it is a usage error (exit 2). */
  required?: boolean;
}

/** One option: the parser's descriptor (`type`, `default`, `multiple`) plus its help. */
export type CommandOption = ParseArgsOptionDescriptor & OptionHelp;

/** What a command says about itself besides its options. */
export interface CommandHelp {
  /** How it is started, e.g. `deno task etl`. */
  command: string;
  /** What it does, in a sentence or two. */
  summary: string;
  /** Files and environment variables it reads, one entry per line. */
  configuration: readonly string[];
  /** Every exit code and its meaning, in order. */
  exitCodes: readonly (readonly [number, string])[];
}

/** The `--config` option of every command that reads the configuration file. */
export const CONFIG_OPTION = {
  type: "string",
  value: "FILE",
  defaultText: "ETL_CONFIG, else ./credentials.cfg",
  description: "INI configuration file",
} as const;

/** `--out DIR` of the commands that write the dashboard. */
export const DASHBOARD_OUT_OPTION = {
  type: "string",
  value: "DIR",
  default: "reports/dashboard",
  description: "folder of index.html, created if missing",
} as const;

/** The configuration file every command that reaches the database or S3 reads. */
export const CONFIG_FILE_HELP =
  "--config FILE, else ETL_CONFIG, else ./credentials.cfg (INI). A file named by --config or " +
  "ETL_CONFIG must exist (CONFIG_MISSING); only a missing ./credentials.cfg selects the embedded " +
  "default: PostgreSQL on 127.0.0.1:ETL_EMBEDDED_PORT (default 54329), data in ./.data";
/** The database settings. */
export const DB_HELP =
  "[DB] HOST, PORT (default 5432), DATABASE, USER, PASSWORD; environment PGHOST, PGPORT, " +
  "PGDATABASE, PGUSER, PGPASSWORD override the file";
/** The S3 settings. */
export const S3_HELP =
  "[S3] AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (both empty: anonymous), REGION, BUCKET, PREFIX, " +
  "ENDPOINT; environment AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, " +
  "AWS_ENDPOINT_URL_S3 override the file";
/** The run's safety limits. */
export const LIMITS_HELP =
  "[ETL] REJECT_THRESHOLD (default 0.01), STALL_TIMEOUT_SECONDS (default 60), " +
  "PUBLISH_WAIT_SECONDS (default 180), PUBLISH_TERMINATE_AFTER_SECONDS (default none: never); " +
  "environment ETL_REJECT_THRESHOLD, ETL_STALL_TIMEOUT_SECONDS, ETL_PUBLISH_WAIT_SECONDS, " +
  "ETL_PUBLISH_TERMINATE_AFTER_SECONDS override the file";
/** Where runs export the published data set. */
export const EXPORT_HELP =
  "[EXPORT] TARGET (default none): a folder or s3://BUCKET/PREFIX where every successful run " +
  "exports the published run as Parquet (run=N/); environment ETL_EXPORT_TARGET overrides the file";
/** The schedule settings. */
export const SCHEDULE_HELP =
  "[SCHEDULE] CRON (default 0 6 * * *), TIMEZONE (default UTC), DEADLINE (default 07:00), " +
  "RETRY_ATTEMPTS (default 3), RETRY_DELAY_SECONDS (default 120, doubled per retry); environment " +
  "ETL_SCHEDULE_CRON, ETL_SCHEDULE_TIMEZONE, ETL_SCHEDULE_DEADLINE, ETL_SCHEDULE_RETRY_ATTEMPTS, " +
  "ETL_SCHEDULE_RETRY_DELAY_SECONDS override the file";
/** The exit code of the shared contract for a bad flag or a bad configuration. */
export const USAGE_EXIT = 2;

const HELP_OPTION: CommandOption = { type: "boolean", description: "show this help and exit" };
const WIDTH = 100;

/**
 * Parses `args` against `options` plus `--help`. `--help` prints {@link helpText} and returns exit
 * code 0; an unknown flag, a missing value or a missing required option prints the problem and the
 * usage line to stderr and returns exit code 2.
 *
 * @param args The command line, e.g. `Deno.args`.
 * @param help What `--help` says besides the options.
 * @param options The options: the parser's descriptors plus their help.
 * @returns The values, or the exit code when the command should stop.
 */
export function parseCommandLine<const T extends Record<string, CommandOption>>(
  args: string[],
  help: CommandHelp,
  options: T,
) {
  const parserOptions = Object.fromEntries(
    Object.entries(options).map((
      [name, { description: _d, value: _v, defaultText: _t, required: _r, ...descriptor }],
    ) => [name, descriptor]),
  ) as T;
  try {
    const { values } = parseArgs({
      args,
      options: { ...parserOptions, help: { type: "boolean", default: false } },
    });
    if ((values as { help?: boolean }).help) {
      console.log(helpText(help, options));
      return { exitCode: 0 } as const;
    }
    const missing = Object.entries(options).find(([name, option]) =>
      option.required && (values as Record<string, unknown>)[name] === undefined
    );
    if (missing) throw new Error(`Missing ${flag(missing[0], missing[1])}`);
    return { values };
  } catch (error) {
    return { exitCode: usageError(errorMessage(error), help, options) } as const;
  }
}

/**
 * Reports a usage error found after parsing (a value out of its range): the problem, the usage
 * line and a pointer to `--help`, on stderr.
 *
 * @returns The exit code, 2.
 */
export function usageError(
  problem: string,
  help: CommandHelp,
  options: Record<string, CommandOption>,
): number {
  console.error(`${problem}\n${usageLine(help, options)}\n(--help lists the options)`);
  return USAGE_EXIT;
}

/**
 * Reads an integer option that must lie in `[min, max]`; else reports the usage error.
 *
 * @returns The value, or the usage error's exit code (2).
 */
export function readIntegerOption(
  name: string,
  text: string,
  range: { min: number; max: number },
  help: CommandHelp,
  options: Record<string, CommandOption>,
): { value: number } | { exitCode: number } {
  const value = Number(text);
  if (Number.isInteger(value) && value >= range.min && value <= range.max) return { value };
  return {
    exitCode: usageError(
      `--${name} must be an integer from ${range.min} to ${range.max}, got "${text}"`,
      help,
      options,
    ),
  };
}

/**
 * The usage line: every option, required ones bare, optional ones in brackets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usageLine } from "./_command_line.ts";
 * const help = { command: "deno task x", summary: "", configuration: [], exitCodes: [] };
 * assert.equal(
 *   usageLine(help, { out: { type: "string", value: "DIR", required: true }, quiet: { type: "boolean" } }),
 *   "usage: deno task x --out DIR [--quiet]",
 * );
 * ```
 */
export function usageLine(help: CommandHelp, options: Record<string, CommandOption>): string {
  const parts = Object.entries(options).map(([name, option]) => {
    const text = flag(name, option) + (option.multiple ? " ..." : "");
    return option.required ? text : `[${text}]`;
  });
  return wrap(`usage: ${[help.command, ...parts].join(" ")}`, "  ");
}

/**
 * The text of `--help`: summary, usage, each option with its default, configuration, exit codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { helpText } from "./_command_line.ts";
 * const text = helpText(
 *   { command: "deno task x", summary: "Does x.", configuration: [], exitCodes: [[0, "done"]] },
 *   { out: { type: "string", value: "DIR", default: "reports", description: "where to write" } },
 * );
 * assert.match(text, /^  --out DIR +where to write \(default: reports\)$/m);
 * assert.match(text, /^  0 +done$/m);
 * ```
 */
export function helpText(help: CommandHelp, options: Record<string, CommandOption>): string {
  const all = { ...options, help: HELP_OPTION };
  const flags = Object.entries(all).map(([name, option]) => flag(name, option));
  const column = Math.max(...flags.map((text) => text.length)) + 3;
  const optionLines = Object.values(all).map((option, i) => {
    const notes = [
      option.required ? "required" : "",
      option.multiple ? "repeatable" : "",
      defaultOf(option),
    ].filter((note) => note !== "");
    const description = [option.description ?? "", notes.length ? `(${notes.join("; ")})` : ""]
      .filter((part) => part !== "").join(" ");
    return wrap(`  ${flags[i]!.padEnd(column)}${description}`, " ".repeat(column + 2));
  });
  const codeColumn = Math.max(...help.exitCodes.map(([code]) => String(code).length)) + 2;
  return [
    wrap(`${help.command}: ${help.summary}`, "  "),
    "",
    usageLine(help, options),
    "",
    "options:",
    ...optionLines,
    "",
    "configuration:",
    ...(help.configuration.length === 0
      ? ["  none (reads no configuration file or environment variable)"]
      : help.configuration.map((line) => wrap(`  ${line}`, "    "))),
    "",
    "exit codes:",
    ...help.exitCodes.map(([code, meaning]) =>
      wrap(`  ${String(code).padEnd(codeColumn)}${meaning}`, " ".repeat(codeColumn + 2))
    ),
  ].join("\n");
}

/**
 * The one line a command prints when it fails: `PREFIX CODE: message`, or `PREFIX message` for an
 * error without a code, with secrets scrubbed by `redact`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PipelineError } from "../errors.ts";
 * import { failureLine } from "./_command_line.ts";
 * const error = new PipelineError("CONFIG_MISSING", "Cannot find config file", { stage: "config" });
 * assert.equal(failureLine("etl:failed", error), "etl:failed CONFIG_MISSING: Cannot find config file");
 * ```
 */
export function failureLine(
  prefix: string,
  error: unknown,
  redact: (text: string) => string = (text) => text,
): string {
  const code = error instanceof PipelineError ? `${error.code}: ` : "";
  return redact(`${prefix} ${code}${errorMessage(error)}`);
}

/** The exit code of a failure: 2 for a configuration error (as for usage), else 1. */
export function failureExitCode(error: unknown): number {
  return error instanceof PipelineError &&
      (error.code === "CONFIG_MISSING" || error.code === "CONFIG_INVALID")
    ? USAGE_EXIT
    : 1;
}

function flag(name: string, option: CommandOption): string {
  if (option.type === "boolean") return `--${name}`;
  return `--${name} ${option.value ?? name.toUpperCase().replaceAll("-", "_")}`;
}

function defaultOf(option: CommandOption): string {
  if (option.defaultText !== undefined) return `default: ${option.defaultText}`;
  const value = option.default;
  if (value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.length === 0 ? "" : `default: ${value.join(", ")}`;
  return `default: ${String(value)}`;
}

// Breaks a line at spaces to fit WIDTH columns; continuation lines start with `indent`.
function wrap(line: string, indent: string): string {
  const lines: string[] = [];
  let rest = line;
  while (rest.length > WIDTH) {
    const cut = rest.lastIndexOf(" ", WIDTH);
    if (cut <= indent.length) break;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut + 1).trimStart();
  }
  lines.push(rest);
  return lines.join("\n");
}
