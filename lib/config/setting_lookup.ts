// Owns the one precedence rule (environment variable, then the file, then the default) and the one
// error format of every setting: `Invalid setting SECTION.KEY (from SOURCE): problem`.
/**
 * @example An environment variable wins over the file
 * ```ts
 * import assert from "node:assert/strict";
 * import { SettingLookup } from "./setting_lookup.ts";
 * const lookup = new SettingLookup({ DB: { HOST: "db.internal" } }, "etl.cfg", { PGHOST: "x" });
 * assert.deepEqual(lookup.find("DB", "HOST", "PGHOST"), {
 *   text: "x",
 *   source: "environment variable PGHOST",
 * });
 * assert.equal(lookup.withDefault("DB", "PORT", "PGPORT", "5432").source, "default");
 * ```
 */
import { PipelineError } from "../errors.ts";
import type { ConfigSections } from "./config_file.ts";

/** A setting's text and where it came from, as messages name it. */
export interface SettingValue {
  /** Trimmed, never empty. */
  text: string;
  /** `environment variable NAME`, the quoted config file path, or `default`. */
  source: string;
}

/** Looks settings up in the environment and the sections of one config file. */
export class SettingLookup {
  readonly #sections: ConfigSections;
  readonly #env: Record<string, string | undefined>;
  /** The config file as messages name it: its path in double quotes. */
  readonly file: string;
  readonly #configPath: string;

  /**
   * @param sections The file's sections (empty when there is no file).
   * @param configPath Named in messages.
   * @param env Environment to read overrides from.
   */
  constructor(
    sections: ConfigSections,
    configPath: string,
    env: Record<string, string | undefined>,
  ) {
    this.#sections = sections;
    this.#configPath = configPath;
    this.#env = env;
    this.file = `"${configPath}"`;
  }

  /**
   * The setting's value: the environment variable when it is set and not blank, else the file's
   * key when it is not blank.
   *
   * @returns The trimmed text and its source, or undefined when neither has it.
   */
  find(section: string, key: string, envName?: string): SettingValue | undefined {
    const fromEnv = envName === undefined ? "" : (this.#env[envName] ?? "").trim();
    if (fromEnv !== "") return { text: fromEnv, source: `environment variable ${envName}` };
    const value = this.#sections[section]?.[key];
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === "" ? undefined : { text, source: this.file };
  }

  /** The setting's text, or undefined (see {@link find}). */
  optional(section: string, key: string, envName?: string): string | undefined {
    return this.find(section, key, envName)?.text;
  }

  /**
   * The setting's text.
   *
   * @throws {PipelineError} `CONFIG_MISSING` naming the key and every place searched.
   */
  required(section: string, key: string, envName?: string): string {
    const found = this.find(section, key, envName);
    if (found !== undefined) return found.text;
    const places = [
      ...(envName ? [`environment variable ${envName}`] : []),
      `[${section}] ${key} in "${this.#configPath}"`,
    ].join(", ");
    throw new PipelineError(
      "CONFIG_MISSING",
      `Cannot find setting ${section}.${key}: searched ${places}`,
      { stage: "config" },
    );
  }

  /** The setting, or `fallback` with source `default`. */
  withDefault(section: string, key: string, envName: string, fallback: string): SettingValue {
    return this.find(section, key, envName) ?? { text: fallback, source: "default" };
  }
}

/**
 * The error of a setting whose value cannot be used.
 *
 * @param key `SECTION.KEY`.
 * @param source Where the value came from (see {@link SettingValue}).
 * @param problem What is wrong, with the value quoted.
 */
export function invalidSetting(key: string, source: string, problem: string): PipelineError {
  return new PipelineError(
    "CONFIG_INVALID",
    `Invalid setting ${key} (from ${source}): ${problem}`,
    { stage: "config" },
  );
}

/**
 * A hint for a refused value that looks like it carries a comment: configparser keeps `;` and `#`
 * inside values (passwords hold them), so a comment after a value becomes part of it.
 *
 * @returns The hint with a leading space, or "".
 */
export function commentHint(text: string): string {
  return /\s[;#]/.test(text)
    ? ` (a ; or # after a value is part of the value: put comments on a line of their own)`
    : "";
}
