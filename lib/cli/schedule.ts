// Owns `deno task schedule`: the long-lived scheduler that triggers the ETL and keeps the dashboard current.
import { parseCommandLine } from "./_command_line.ts";
import { writeDashboard } from "../dashboard/write_dashboard.ts";
import { errorMessage } from "../errors.ts";
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

const USAGE = "usage: deno task schedule [--config FILE] [--out DIR] [--once] [--quiet]";

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, USAGE, {
    config: { type: "string", default: "./credentials.cfg" },
    out: { type: "string", default: "reports/dashboard" },
    once: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
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
    const settings = await resolveScheduleSettings({ configPath: values.config });
    const cron = createCronSchedule(settings.cron, settings.timeZone);
    const progress = createProgress({ mode: values.quiet ? "quiet" : "plain" });
    const targets = await openTargets({
      configPath: values.config,
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
    console.error(redact(`schedule:failed ${errorMessage(error)}`));
    return 1;
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
