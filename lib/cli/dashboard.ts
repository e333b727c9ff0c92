// Owns `deno task dashboard`: renders reports/dashboard/index.html from the database, changing nothing.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DASHBOARD_OUT_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
  SCHEDULE_HELP,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { writeDashboard } from "../dashboard/write_dashboard.ts";
import { connectDatabase } from "../db/connect_database.ts";
import { createCronSchedule } from "../calendar/cron_schedule.ts";
import { resolveScheduleSettings } from "../config/schedule_settings.ts";
import { openDatabase, redactor } from "../targets.ts";

const HELP = {
  command: "deno task dashboard",
  summary: "Writes the static dashboard page (freshness, row counts, quarantine, quality checks, " +
    "runs, analyst views) from the database. Read-only: it never migrates or writes the " +
    'database; one no run has touched reads as "No data published yet".',
  configuration: [CONFIG_FILE_HELP, DB_HELP, SCHEDULE_HELP],
  exitCodes: [
    [0, "the page was written"],
    [1, "the database could not be read (the dashboard:failed line names the code)"],
    [2, "usage or configuration error"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
    out: DASHBOARD_OUT_OPTION,
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  let redact = (text: string) => text;
  try {
    const config = chooseConfigFile(values.config);
    const settings = await resolveScheduleSettings({ configPath: config.configPath });
    const { db, secrets } = await openDatabase({
      ...config,
      log: (line) => console.error(line),
    });
    redact = redactor(secrets);
    const sql = await connectDatabase(db, "anime-dashboard", { migrate: false });
    try {
      const { path, bytes, status } = await writeDashboard(sql, {
        outDir: values.out,
        schedule: {
          cron: createCronSchedule(settings.cron, settings.timeZone),
          deadline: settings.deadline,
        },
      });
      console.log(`dashboard:written ${path} (${(bytes / 1000).toFixed(0)} kB)`);
      console.log(redact(`dashboard:status ${status.state} ${status.headline}: ${status.detail}`));
      console.log(`open: file://${encodeURI(path)}`);
      return 0;
    } finally {
      await sql.end({ timeout: 5 });
    }
  } catch (error) {
    console.error(failureLine("dashboard:failed", error, redact));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
