// Owns `deno task deadline:check`: records whether a run finished by the deadline; exit code for monitors.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  failureLine,
  parseCommandLine,
  SCHEDULE_HELP,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { checkDeadline } from "../schedule/check_deadline.ts";
import { chooseDeadline } from "../schedule/choose_deadline.ts";
import { connectDatabase } from "../db/connect_database.ts";
import { createCronSchedule } from "../calendar/cron_schedule.ts";
import { deadlineSchedule } from "../calendar/deadline_schedule.ts";
import { formatInstant } from "../calendar/format_instant.ts";
import { readExpectedRun } from "../schedule/read_expected_run.ts";
import { resolveScheduleSettings } from "../config/schedule_settings.ts";
import { openDatabase, redactor } from "../targets.ts";

/**
 * Exit codes: met; late, missed or at risk (each a marker to alert on); the arguments were wrong;
 * it could not be checked.
 */
const EXIT = { met: 0, late: 1, missed: 1, at_risk: 1, usage: 2, unchecked: 3 } as const;

const HELP = {
  command: "deno task deadline:check",
  summary:
    "Records in etl.deadline_checks (one row per deadline) whether a run of the deadline's " +
    "window finished successfully (or was skipped, sources unchanged) by the latest daily " +
    "deadline: met, late (finished after it) or missed; from the next deadline minus the longest " +
    "recent run on, at_risk when none has yet. Writes one row, so it applies pending migrations " +
    "of schema etl first.",
  configuration: [CONFIG_FILE_HELP, DB_HELP, SCHEDULE_HELP],
  exitCodes: [
    [EXIT.met, "met"],
    [EXIT.missed, "late, missed or at_risk: the row is the marker to alert on"],
    [EXIT.usage, "usage error"],
    [EXIT.unchecked, "could not check (configuration or database; the line names the code)"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  // The shared contract's exit codes (0 help, 2 usage) are EXIT.met and EXIT.usage.
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  let redact = (text: string) => text;
  try {
    const now = new Date();
    const config = chooseConfigFile(values.config);
    const settings = await resolveScheduleSettings({
      configPath: config.configPath,
      now,
      warn: (line) => console.error(line),
    });
    const { db, secrets } = await openDatabase({
      ...config,
      log: (line) => console.error(line),
    });
    redact = redactor(secrets);
    const sql = await connectDatabase(db, "anime-deadline-check");
    try {
      const expected = await readExpectedRun(sql);
      const { window } = chooseDeadline(now, {
        cron: createCronSchedule(settings.cron, settings.timeZone),
        deadline: deadlineSchedule(settings.deadline, settings.timeZone),
        expectedSeconds: expected.seconds,
      });
      const result = await checkDeadline(sql, window, { now, expected });
      const line = `deadline:${result.status} deadline ${
        formatInstant(result.dueAt, settings.timeZone)
      }: ${result.detail} (check ${result.checkId} in etl.deadline_checks)`;
      if (result.status === "met") console.log(redact(line));
      else console.error(redact(line));
      return EXIT[result.status];
    } finally {
      await sql.end({ timeout: 5 });
    }
  } catch (error) {
    console.error(failureLine("deadline:unchecked", error, redact));
    return EXIT.unchecked;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
