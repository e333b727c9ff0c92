// Owns the [SCHEDULE] settings: cron expression, time zone and daily deadline, with env overrides.
/**
 * @example Resolve the schedule with an environment override
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveScheduleSettings } from "./schedule_settings.ts";
 * const settings = await resolveScheduleSettings({
 *   configPath: "./missing.cfg",
 *   env: { ETL_SCHEDULE_TIMEZONE: "Europe/Berlin" },
 * });
 * assert.deepEqual(
 *   [settings.cron, settings.timeZone, settings.deadline],
 *   ["0 7 * * *", "Europe/Berlin", "07:00"],
 * );
 * ```
 */
import ini from "ini";
import { PipelineError } from "../errors.ts";
import { createCronSchedule } from "./cron_schedule.ts";

/** When the scheduler triggers the ETL and by when a run must have succeeded. */
export interface ScheduleSettings {
  /** Standard 5-field cron expression (minute hour day-of-month month day-of-week); default `0 7 * * *`. */
  cron: string;
  /** IANA time zone the cron expression and the deadline are read in; default `UTC`. */
  timeZone: string;
  /** Time of day `HH:MM` (24-hour) in `timeZone` by which a run must have succeeded; default `07:00`. */
  deadline: string;
}

/** Options of {@link resolveScheduleSettings}. */
export interface ResolveScheduleOptions {
  /** INI file; default `./credentials.cfg`. A missing file means the defaults. */
  configPath?: string;
  /** Environment to read overrides from; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
}

/** The defaults: daily at 07:00 UTC, deadline 07:00. */
export const SCHEDULE_DEFAULTS: Readonly<ScheduleSettings> = Object.freeze({
  cron: "0 7 * * *",
  timeZone: "UTC",
  deadline: "07:00",
});

const KEYS = [
  { field: "cron", key: "CRON", envName: "ETL_SCHEDULE_CRON" },
  { field: "timeZone", key: "TIMEZONE", envName: "ETL_SCHEDULE_TIMEZONE" },
  { field: "deadline", key: "DEADLINE", envName: "ETL_SCHEDULE_DEADLINE" },
] as const;

/**
 * Resolves the `[SCHEDULE]` section of the same INI file as the other settings, with one order of
 * precedence: environment variable (`ETL_SCHEDULE_CRON`, `ETL_SCHEDULE_TIMEZONE`,
 * `ETL_SCHEDULE_DEADLINE`), then the file, then the default.
 *
 * @param options Where to look.
 * @returns Validated settings.
 * @throws {PipelineError} `CONFIG_INVALID` naming the key, where the value came from and the
 *   problem, e.g. `Invalid setting SCHEDULE.TIMEZONE (from "./credentials.cfg"): ...`.
 */
export async function resolveScheduleSettings(
  options: ResolveScheduleOptions = {},
): Promise<ScheduleSettings> {
  const configPath = options.configPath ?? "./credentials.cfg";
  const env = options.env ?? Deno.env.toObject();
  const section = await readScheduleSection(configPath);
  const settings: ScheduleSettings = { ...SCHEDULE_DEFAULTS };
  const sources: Record<string, string> = {};
  for (const { field, key, envName } of KEYS) {
    const fromEnv = (env[envName] ?? "").trim();
    const fromFile = String(section[key] ?? "").trim();
    if (fromEnv !== "") {
      settings[field] = fromEnv;
      sources[field] = `environment variable ${envName}`;
    } else if (fromFile !== "") {
      settings[field] = fromFile;
      sources[field] = `"${configPath}"`;
    } else {
      sources[field] = "default";
    }
  }
  validateTimeZone(settings.timeZone, sources.timeZone!);
  validateDeadline(settings.deadline, sources.deadline!);
  try {
    createCronSchedule(settings.cron, settings.timeZone);
  } catch (error) {
    throw invalid("SCHEDULE.CRON", sources.cron!, error instanceof Error ? error.message : "");
  }
  return settings;
}

async function readScheduleSection(configPath: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(configPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw new PipelineError("CONFIG_INVALID", `Cannot read config file "${configPath}"`, {
      stage: "config",
      cause: error,
    });
  }
  try {
    const sections = ini.parse(escapeInlineComments(text)) as Record<string, unknown>;
    const section = sections.SCHEDULE;
    return typeof section === "object" && section !== null
      ? section as Record<string, unknown>
      : {};
  } catch (error) {
    throw new PipelineError("CONFIG_INVALID", `Cannot parse config file "${configPath}"`, {
      stage: "config",
      cause: error,
    });
  }
}

// Same rule as lib/config/settings.ts: configparser keeps an unquoted `#` or `;` inside a value
// (a cron expression such as `0 7 * * 1#1`), while ini would cut the value there.
function escapeInlineComments(text: string): string {
  return text.replace(/^([ \t]*[^\s;#[][^=\r\n]*=)(.*)$/gm, (line, key: string, value: string) => {
    const trimmed = value.trim();
    if (/^(["']).*\1$/.test(trimmed)) return line;
    return key + value.replace(/[\\;#]/g, "\\$&");
  });
}

function validateTimeZone(timeZone: string, source: string) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    throw invalid(
      "SCHEDULE.TIMEZONE",
      source,
      `expected an IANA time zone such as "UTC" or "Europe/Berlin", got "${timeZone}"`,
    );
  }
}

function validateDeadline(deadline: string, source: string) {
  const match = /^(\d{1,2}):(\d{2})$/.exec(deadline);
  if (match && Number(match[1]) <= 23 && Number(match[2]) <= 59) return;
  throw invalid(
    "SCHEDULE.DEADLINE",
    source,
    `expected a time of day HH:MM from 00:00 to 23:59, got "${deadline}"`,
  );
}

function invalid(key: string, source: string, problem: string): PipelineError {
  return new PipelineError(
    "CONFIG_INVALID",
    `Invalid setting ${key} (from ${source}): ${problem}`,
    {
      stage: "config",
    },
  );
}
