// Owns `deno task schedule`: the long-lived scheduler that triggers the ETL and keeps the dashboard current.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DASHBOARD_OUT_OPTION,
  DB_HELP,
  EXPORT_HELP,
  failureExitCode,
  failureLine,
  LIMITS_HELP,
  parseCommandLine,
  S3_HELP,
  SCHEDULE_HELP,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { createProgress } from "../runtime/progress.ts";
import { EMBEDDED_DEFAULTS, startEmbeddedPostgres } from "../embedded/embedded_postgres.ts";
import { createStopRequests } from "../runtime/stop_requests.ts";
import { connectDatabase } from "../db/connect_database.ts";
import { createCronSchedule } from "../calendar/cron_schedule.ts";
import { deadlineSchedule } from "../calendar/deadline_schedule.ts";
import { resolveScheduleSettings } from "../config/schedule_settings.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import { schedulerDependencies } from "../schedule/scheduler_dependencies.ts";
import { systemClock } from "../schedule/system_clock.ts";
import { waitForDatabase } from "../schedule/wait_for_database.ts";
import { embeddedPort, openTargets, redactor } from "../targets.ts";

const HELP = {
  command: "deno task schedule",
  summary: "The long-lived scheduler: triggers the ETL at each cron time (catching up once after " +
    "downtime), retries transient failures while a retry can finish by the deadline, checks the " +
    "daily deadline (and warns when it is at risk) and keeps the dashboard current. Waits for " +
    "PostgreSQL when it is down. One stop request (SIGTERM or Ctrl-C, even delivered twice at " +
    "once) waits for the run in progress; a second one a second or more later interrupts it.",
  configuration: [CONFIG_FILE_HELP, S3_HELP, DB_HELP, LIMITS_HELP, EXPORT_HELP, SCHEDULE_HELP],
  exitCodes: [
    [0, "stopped on request; with --once: done, or the catch-up run succeeded"],
    [1, "failed (the schedule:failed line names the code); with --once: the catch-up run failed"],
    [2, "usage or configuration error"],
    [130, "left on a second Ctrl-C (or --stop-grace): the run was interrupted (INTERRUPTED)"],
    [143, "left on a second SIGTERM (or --stop-grace): the same"],
  ],
} as const;

// After leaving was asked for, the interrupted run rolls back in well under a second; this bounds it.
const LEAVE_TIMEOUT_MS = 10_000;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
    out: DASHBOARD_OUT_OPTION,
    once: {
      type: "boolean",
      default: false,
      description:
        "print the next trigger, run a catch-up (with its retries) if one is owed, and exit",
    },
    quiet: {
      type: "boolean",
      default: false,
      description: "no progress lines from the runs",
    },
    "stop-grace": {
      type: "string",
      value: "SECONDS",
      defaultText: "none: wait for the run however long it takes",
      description:
        "after a stop request, interrupt the run in progress once this many seconds pass",
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const grace = values["stop-grace"];
  if (grace !== undefined && !(/^\d+(\.\d+)?$/.test(grace) && Number(grace) > 0)) {
    console.error(
      `Invalid --stop-grace "${grace}": expected a number of seconds above 0 (--help lists the options)`,
    );
    return 2;
  }
  let redact = (text: string) => text;
  const log = (line: string) => console.log(redact(line));
  using stops = createStopRequests({
    ...(grace !== undefined ? { graceSeconds: Number(grace) } : {}),
    onStop: (signal) =>
      log(
        `schedule:stopping on ${signal}; waiting for the run in progress, then exiting ` +
          `(a second request a second or more later${
            grace !== undefined ? `, or ${grace} s,` : ""
          } interrupts it)`,
      ),
    onLeave: (why) => {
      log(`schedule:leaving on ${why}: interrupting the run in progress (recorded INTERRUPTED)`);
      const timer = setTimeout(() => {
        console.error("schedule:killed the interrupted run did not end in 10 s");
        Deno.exit(stops.exitCode());
      }, LEAVE_TIMEOUT_MS);
      Deno.unrefTimer(timer);
    },
  });
  try {
    const config = chooseConfigFile(values.config);
    const settings = await resolveScheduleSettings({ configPath: config.configPath, warn: log });
    const cron = createCronSchedule(settings.cron, settings.timeZone);
    const progress = createProgress({ mode: values.quiet ? "quiet" : "plain" });
    const targets = await openTargets({
      ...config,
      log: (line) => progress.event(line),
    });
    redact = redactor(targets.secrets);
    const embedded = targets.mode === "embedded"
      ? { rootDir: EMBEDDED_DEFAULTS.rootDir, port: embeddedPort() }
      : undefined;
    try {
      const sql = await waitForDatabase(async () => {
        if (embedded) await startEmbeddedPostgres(embedded);
        return await connectDatabase(targets.db, "anime-etl-schedule");
      }, { clock: systemClock, signal: stops.stop, log });
      if (sql === undefined) {
        log("schedule:stopped before the database answered");
        return 0;
      }
      try {
        log(
          `schedule:started cron "${settings.cron}" in ${settings.timeZone}, deadline ${settings.deadline}, ` +
            `${settings.retryAttempts} retries from ${settings.retryDelaySeconds} s; ` +
            `${targets.mode} targets, ${targets.connectUrl}`,
        );
        const scheduler = new Scheduler({
          cron,
          deadline: deadlineSchedule(settings.deadline, settings.timeZone),
          clock: systemClock,
          retry: {
            attempts: settings.retryAttempts,
            baseDelayMs: settings.retryDelaySeconds * 1000,
          },
          log,
          ...schedulerDependencies({
            sql,
            targets,
            ...(embedded ? { embedded } : {}),
            progress,
            outDir: values.out,
            schedule: { cron, deadline: settings.deadline },
            log,
          }),
        });
        if (values.once) {
          const result = await scheduler.runOnce(stops.stop, stops.leave);
          await scheduler.settled();
          if (stops.leave.aborted) return stops.exitCode();
          return result && (result.outcome === "failed" || result.outcome === "error") ? 1 : 0;
        }
        await scheduler.run(stops.stop, stops.leave);
        return stops.leave.aborted ? stops.exitCode() : 0;
      } finally {
        await sql.end({ timeout: 5 });
      }
    } finally {
      await targets.close();
    }
  } catch (error) {
    console.error(failureLine("schedule:failed", error, redact));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
