// Owns `deno task schedule`: the long-lived scheduler that triggers the ETL and keeps the dashboard current.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  LIMITS_HELP,
  parseCommandLine,
  S3_HELP,
  SCHEDULE_HELP,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { writeDashboard } from "../dashboard/write_dashboard.ts";
import { runEtl } from "../run_etl.ts";
import { createProgress } from "../runtime/progress.ts";
import { checkDeadline } from "../schedule/check_deadline.ts";
import { connectDatabase } from "../schedule/connect_database.ts";
import { createCronSchedule } from "../schedule/cron_schedule.ts";
import { deadlineSchedule } from "../schedule/deadline_schedule.ts";
import { readRunHistory } from "../schedule/read_run_history.ts";
import { readRunsSignature } from "../schedule/read_runs_signature.ts";
import { resolveScheduleSettings } from "../schedule/schedule_settings.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import { systemClock } from "../schedule/system_clock.ts";
import { openTargets, redactor } from "../targets.ts";

const HELP = {
  command: "deno task schedule",
  summary: "The long-lived scheduler: triggers the ETL at each cron time (catching up once after " +
    "downtime), checks the daily deadline and keeps the dashboard current. SIGTERM or Ctrl-C " +
    "waits for a run in progress.",
  configuration: [CONFIG_FILE_HELP, S3_HELP, DB_HELP, LIMITS_HELP, SCHEDULE_HELP],
  exitCodes: [
    [0, "stopped on request; with --once: done, or the catch-up run succeeded"],
    [1, "failed (the schedule:failed line names the code); with --once: the catch-up run failed"],
    [2, "usage or configuration error"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
    out: {
      type: "string",
      value: "DIR",
      default: "reports/dashboard",
      description: "folder of the dashboard's index.html",
    },
    once: {
      type: "boolean",
      default: false,
      description: "print the next trigger, run a catch-up if one is owed, and exit",
    },
    quiet: {
      type: "boolean",
      default: false,
      description: "no progress lines from the runs",
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  let redact = (text: string) => text;
  const log = (line: string) => console.log(redact(line));
  const stop = new AbortController();
  const onSignal = (signal: Deno.Signal) => () => {
    if (stop.signal.aborted) {
      console.error(`schedule:killed second ${signal}: leaving without waiting for the run`);
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    }
    log(
      `schedule:stopping on ${signal}; waiting for a run in progress (send it again to leave now)`,
    );
    stop.abort();
  };
  const listeners = (["SIGTERM", "SIGINT"] as const).map((signal) => {
    const listener = onSignal(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  try {
    const config = chooseConfigFile(values.config);
    const settings = await resolveScheduleSettings({ configPath: config.configPath });
    const cron = createCronSchedule(settings.cron, settings.timeZone);
    const progress = createProgress({ mode: values.quiet ? "quiet" : "plain" });
    const targets = await openTargets({
      ...config,
      log: (line) => progress.event(line),
    });
    redact = redactor(targets.secrets);
    const sql = await connectDatabase(targets.db, "anime-etl-schedule");
    try {
      log(
        `schedule:started cron "${settings.cron}" in ${settings.timeZone}, deadline ${settings.deadline}; ` +
          `${targets.mode} targets, ${targets.connectUrl}`,
      );
      const scheduler = new Scheduler({
        cron,
        deadline: deadlineSchedule(settings.deadline, settings.timeZone),
        clock: systemClock,
        runEtl: (trigger) => runEtl(targets, { trigger, progress }),
        readRunHistory: () => readRunHistory(sql),
        checkDeadline: (window) => checkDeadline(sql, window),
        refreshDashboard: async () => {
          const { path } = await writeDashboard(sql, {
            outDir: values.out,
            schedule: { cron, deadline: settings.deadline },
          });
          log(`dashboard:written file://${encodeURI(path)}`);
        },
        readRunsSignature: () => readRunsSignature(sql),
        log,
      });
      if (values.once) {
        const result = await scheduler.runOnce();
        await scheduler.settled();
        return result && (result.outcome === "failed" || result.outcome === "error") ? 1 : 0;
      }
      await scheduler.run(stop.signal);
      return 0;
    } finally {
      await sql.end({ timeout: 5 });
      await targets.close();
    }
  } catch (error) {
    console.error(failureLine("schedule:failed", error, redact));
    return failureExitCode(error);
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
