// Owns the [SCHEDULE] settings: cron, time zone, deadline and retries, resolved like every section.
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
 *   [settings.cron, settings.timeZone, settings.deadline, settings.retryAttempts],
 *   ["0 6 * * *", "Europe/Berlin", "07:00", 3],
 * );
 * ```
 */
import { checkScheduleFit } from "../calendar/check_schedule_fit.ts";
import { createCronSchedule } from "../calendar/cron_schedule.ts";
import { deadlineSchedule } from "../calendar/deadline_schedule.ts";
import { formatInstant } from "../calendar/format_instant.ts";
import { formatWait } from "../calendar/format_wait.ts";
import { PipelineError } from "../errors.ts";
import { readConfigFile } from "./config_file.ts";
import { invalidSetting as invalid, SettingLookup } from "./setting_lookup.ts";

/** When the scheduler triggers the ETL, by when a run must have finished, and how it retries. */
export interface ScheduleSettings {
  /** Standard 5-field cron expression (minute hour day-of-month month day-of-week); default `0 6 * * *`. */
  cron: string;
  /** IANA time zone the cron expression and the deadline are read in; default `UTC`. */
  timeZone: string;
  /** Time of day `HH:MM` (24-hour) in `timeZone` by which a run must have finished; default `07:00`. */
  deadline: string;
  /** Retries of a scheduled run that failed with a transient error, 0 to 10; default 3. */
  retryAttempts: number;
  /** Delay before the first retry in seconds, doubled for each further one, 1 to 3600; default 120. */
  retryDelaySeconds: number;
}

/** Options of {@link resolveScheduleSettings}. */
export interface ResolveScheduleOptions {
  /** INI file; default `./credentials.cfg`. A missing file means the defaults. */
  configPath?: string;
  /** Environment to read overrides from; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  /** The instant the schedule is checked from (next trigger, deadlines); default now. */
  now?: Date;
  /** Receives a `schedule:warning` line when a deadline's window opens more than 12 hours before it. */
  warn?: (line: string) => void;
}

/** The defaults: daily at 06:00 UTC, deadline 07:00, three retries from 2 minutes (2, 4, 8 min). */
export const SCHEDULE_DEFAULTS: Readonly<ScheduleSettings> = Object.freeze({
  cron: "0 6 * * *",
  timeZone: "UTC",
  deadline: "07:00",
  retryAttempts: 3,
  retryDelaySeconds: 120,
});

const KEYS = [
  { field: "cron", key: "CRON", envName: "ETL_SCHEDULE_CRON" },
  { field: "timeZone", key: "TIMEZONE", envName: "ETL_SCHEDULE_TIMEZONE" },
  { field: "deadline", key: "DEADLINE", envName: "ETL_SCHEDULE_DEADLINE" },
  { field: "retryAttempts", key: "RETRY_ATTEMPTS", envName: "ETL_SCHEDULE_RETRY_ATTEMPTS" },
  {
    field: "retryDelaySeconds",
    key: "RETRY_DELAY_SECONDS",
    envName: "ETL_SCHEDULE_RETRY_DELAY_SECONDS",
  },
] as const;

const YEAR_MS = 366 * 24 * 3_600_000;

/**
 * Resolves the `[SCHEDULE]` section of the same INI file as the other settings, with one order of
 * precedence: environment variable (`ETL_SCHEDULE_CRON`, `ETL_SCHEDULE_TIMEZONE`,
 * `ETL_SCHEDULE_DEADLINE`, `ETL_SCHEDULE_RETRY_ATTEMPTS`, `ETL_SCHEDULE_RETRY_DELAY_SECONDS`), then
 * the file, then the default. Refuses a cron with no trigger in the next year, and a cron that
 * triggers only at a deadline (the run could never finish by it); see `checkScheduleFit`.
 *
 * @param options Where to look.
 * @returns Validated settings.
 * @throws {PipelineError} `CONFIG_INVALID` naming the key (both keys when they do not fit together),
 *   where the value came from and the problem, e.g.
 *   `Invalid setting SCHEDULE.TIMEZONE (from "./credentials.cfg"): ...`.
 */
export async function resolveScheduleSettings(
  options: ResolveScheduleOptions = {},
): Promise<ScheduleSettings> {
  const configPath = options.configPath ?? "./credentials.cfg";
  const lookup = new SettingLookup(
    (await readConfigFile(configPath)) ?? {},
    configPath,
    options.env ?? Deno.env.toObject(),
  );
  const values: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const { field, key, envName } of KEYS) {
    const found = lookup.withDefault("SCHEDULE", key, envName, String(SCHEDULE_DEFAULTS[field]));
    values[field] = found.text;
    sources[field] = found.source;
  }
  const settings: ScheduleSettings = {
    cron: values.cron!,
    timeZone: values.timeZone!,
    deadline: values.deadline!,
    retryAttempts: readInteger("RETRY_ATTEMPTS", values.retryAttempts!, sources.retryAttempts!, {
      min: 0,
      max: 10,
    }),
    retryDelaySeconds: readInteger(
      "RETRY_DELAY_SECONDS",
      values.retryDelaySeconds!,
      sources.retryDelaySeconds!,
      { min: 1, max: 3600 },
    ),
  };
  validateTimeZone(settings.timeZone, sources.timeZone!);
  validateDeadline(settings.deadline, sources.deadline!);
  let cron;
  try {
    cron = createCronSchedule(settings.cron, settings.timeZone);
  } catch (error) {
    throw invalid("SCHEDULE.CRON", sources.cron!, error instanceof Error ? error.message : "");
  }
  const now = options.now ?? new Date();
  const next = cron.next(now);
  if (next === undefined || next.getTime() - now.getTime() > YEAR_MS) {
    throw invalid(
      "SCHEDULE.CRON",
      sources.cron!,
      `"${settings.cron}" has no trigger in the next year` +
        (next ? ` (the next one is ${formatInstant(next, settings.timeZone)})` : "") +
        `, so the scheduler would never run`,
    );
  }
  const deadline = deadlineSchedule(settings.deadline, settings.timeZone);
  const fit = checkScheduleFit(now, { cron, deadline });
  if (fit.problem) {
    throw new PipelineError(
      "CONFIG_INVALID",
      `Invalid settings SCHEDULE.CRON "${settings.cron}" (from ${sources.cron}) and ` +
        `SCHEDULE.DEADLINE "${settings.deadline}" (from ${sources.deadline}): the trigger at ` +
        `${formatInstant(fit.problem.deadlineAt, settings.timeZone)} is not before the deadline, ` +
        `so the run it starts can never finish by it; trigger before the deadline (e.g. ` +
        `CRON = ${anHourBefore(settings.deadline)}) or move the deadline later`,
      { stage: "config" },
    );
  }
  if (fit.wide && options.warn) {
    const { deadlineAt, windowStart } = fit.wide;
    options.warn(
      `schedule:warning the deadline ${formatInstant(deadlineAt, settings.timeZone)} is served ` +
        `by the trigger at ${formatInstant(windowStart, settings.timeZone)}, ${
          formatWait(deadlineAt.getTime() - windowStart.getTime())
        } before it (SCHEDULE.CRON "${settings.cron}", SCHEDULE.DEADLINE "${settings.deadline}"): ` +
        `the data can be that old at the deadline; a trigger shortly before it keeps it fresher`,
    );
  }
  return settings;
}

function anHourBefore(deadline: string): string {
  const [hour, minute] = deadline.split(":").map(Number) as [number, number];
  return `${minute} ${(hour + 23) % 24} * * *`;
}

function readInteger(
  key: string,
  text: string,
  source: string,
  range: { min: number; max: number },
): number {
  const value = Number(text);
  if (/^\d+$/.test(text) && value >= range.min && value <= range.max) return value;
  throw invalid(
    `SCHEDULE.${key}`,
    source,
    `expected a whole number from ${range.min} to ${range.max}, got "${text}"`,
  );
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
