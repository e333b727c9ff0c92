// Owns reading the INI config file: one strict parser for every section, configparser's value rules.
/**
 * @example Read the sections of a file (undefined when it does not exist)
 * ```ts
 * import assert from "node:assert/strict";
 * import { readConfigFile } from "./config_file.ts";
 * assert.equal(await readConfigFile("./missing.cfg"), undefined);
 * ```
 */
import ini from "ini";
import { PipelineError } from "../errors.ts";

/** Sections of a config file by name, each a map of keys to values as ini read them. */
export type ConfigSections = Record<string, Record<string, unknown> | undefined>;

/**
 * Reads and parses a config file.
 *
 * @param path The INI file.
 * @returns Its sections, or undefined when the file does not exist.
 * @throws {PipelineError} `CONFIG_INVALID` when the file cannot be read, or naming the line that is
 *   not blank, a comment, a `[SECTION]` or `KEY = VALUE`, or that sets a key a second time.
 */
export async function readConfigFile(path: string): Promise<ConfigSections | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new PipelineError("CONFIG_INVALID", `Cannot read config file "${path}"`, {
      stage: "config",
      cause: error,
    });
  }
  return parseConfigText(text, path);
}

/**
 * Warns when a config file is readable by other users: it holds passwords.
 *
 * @param warn Receives a `config:warning` line.
 */
export async function warnIfReadableByOthers(
  path: string,
  warn: (message: string) => void,
): Promise<void> {
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
function parseConfigText(text: string, configPath: string): ConfigSections {
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
    return ini.parse(escapeInlineComments(lines.join("\n"))) as ConfigSections;
  } catch (error) {
    throw new PipelineError("CONFIG_INVALID", `Cannot parse config file "${configPath}"`, {
      stage: "config",
      cause: error,
    });
  }
}

// ini reads an unquoted `;` or `#` as the start of a comment, which cuts a password such as `pa#ss`
// to `pa` and a cron expression such as `0 7 * * 1#1` to `0 7 * * 1`; configparser files (the
// capstone's credentials.cfg) keep them. Escaping them (and backslashes, ini's escape character) in
// unquoted values makes ini return the value verbatim.
function escapeInlineComments(text: string): string {
  return text.replace(/^([ \t]*[^\s;#[][^=\r\n]*=)(.*)$/gm, (line, key: string, value: string) => {
    const trimmed = value.trim();
    if (/^(["']).*\1$/.test(trimmed)) return line;
    return key + value.replace(/[\\;#]/g, "\\$&");
  });
}
