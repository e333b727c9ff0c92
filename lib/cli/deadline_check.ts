// Owns `deno task deadline:check`: records whether a run succeeded by today's deadline; exit code for monitors.
import { parseCommandLine } from "./_command_line.ts";
import { errorMessage } from "../errors.ts";
import { checkDeadline } from "../schedule/check_deadline.ts";
import { connectDatabase } from "../schedule/connect_database.ts";
import { createCronSchedule } from "../schedule/cron_schedule.ts";
import { deadlineSchedule } from "../schedule/deadline_schedule.ts";
import { deadlineWindow } from "../schedule/deadline_window.ts";
import { formatInstant } from "../schedule/format_instant.ts";
import { resolveScheduleSettings } from "../schedule/schedule_settings.ts";
import { openDatabase, redactor } from "../targets.ts";

const USAGE = "usage: deno task deadline:check [--config FILE]";

/** Exit codes: the deadline was met, missed, the arguments were wrong, or it could not be checked. */
const EXIT = { met: 0, missed: 1, usage: 2, unchecked: 3 } as const;

async function main(args: string[]): Promise<number> {
  // The shared contract's exit codes (0 help, 2 usage) are EXIT.met and EXIT.usage.
  const parsed = parseCommandLine(args, USAGE, {
    config: { type: "string", default: "./credentials.cfg" },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  let redact = (text: string) => text;
  try {
    const settings = await resolveScheduleSettings({ configPath: values.config });
    const { db, secrets } = await openDatabase({
      configPath: values.config,
      log: (line) => console.error(line),
    });
    redact = redactor(secrets);
    const sql = await connectDatabase(db, "anime-deadline-check");
    try {
      const window = deadlineWindow(new Date(), {
        cron: createCronSchedule(settings.cron, settings.timeZone),
        deadline: deadlineSchedule(settings.deadline, settings.timeZone),
      });
      const result = await checkDeadline(sql, window);
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
    console.error(redact(`deadline:unchecked ${errorMessage(error)}`));
    return EXIT.unchecked;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
