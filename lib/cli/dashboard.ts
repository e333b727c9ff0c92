// Owns `deno task dashboard`: renders reports/dashboard/index.html from the database.
import { parseCommandLine } from "./_command_line.ts";
import { writeDashboard } from "../dashboard/write_dashboard.ts";
import { errorMessage } from "../errors.ts";
import { connectDatabase } from "../schedule/connect_database.ts";
import { createCronSchedule } from "../schedule/cron_schedule.ts";
import { resolveScheduleSettings } from "../schedule/schedule_settings.ts";
import { openDatabase, redactor } from "../targets.ts";

const USAGE = "usage: deno task dashboard [--config FILE] [--out DIR]";

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, USAGE, {
    config: { type: "string", default: "./credentials.cfg" },
    out: { type: "string", default: "reports/dashboard" },
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
    const sql = await connectDatabase(db, "anime-dashboard");
    try {
      const { path, bytes } = await writeDashboard(sql, {
        outDir: values.out,
        schedule: {
          cron: createCronSchedule(settings.cron, settings.timeZone),
          deadline: settings.deadline,
        },
      });
      console.log(`dashboard:written ${path} (${(bytes / 1000).toFixed(0)} kB)`);
      console.log(`open: file://${encodeURI(path)}`);
      return 0;
    } finally {
      await sql.end({ timeout: 5 });
    }
  } catch (error) {
    console.error(redact(`dashboard:failed ${errorMessage(error)}`));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
