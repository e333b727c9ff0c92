// Owns `deno task etl`: resolve configuration, start the embedded default if needed, run, summarise.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  EXPORT_HELP,
  failureExitCode,
  failureLine,
  LIMITS_HELP,
  parseCommandLine,
  S3_HELP,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { openTargets, redactor } from "../targets.ts";
import { runEtl } from "../run_etl.ts";
import { createProgress } from "../runtime/progress.ts";
import { createStopRequests } from "../runtime/stop_requests.ts";
import { formatSummary } from "../run/format_summary.ts";

const HELP = {
  command: "deno task etl",
  summary: "One run: stream the four source objects from S3 into PostgreSQL's star schema, " +
    "quarantine what cannot load, check it and publish atomically; skipped when no source ETag " +
    "changed since the last published run.",
  configuration: [CONFIG_FILE_HELP, S3_HELP, DB_HELP, LIMITS_HELP, EXPORT_HELP],
  exitCodes: [
    [0, "succeeded, or skipped because no source changed"],
    [
      1,
      "failed: the published data is unchanged; the summary or the etl:failed line names the code",
    ],
    [2, "usage or configuration error (CONFIG_MISSING, CONFIG_INVALID): nothing was run"],
    [
      3,
      "the run succeeded or was skipped, but the export to [EXPORT] TARGET failed: the data stays " +
      "published, etl.exports records the failure, deno task export (or the next run) retries",
    ],
    [
      130,
      "stopped by Ctrl-C (SIGINT): the run was rolled back and recorded failed with INTERRUPTED",
    ],
    [143, "stopped by SIGTERM (systemctl stop, timeout): the same"],
  ],
} as const;
// Recorded in etl.runs.trigger, so runs from cron, systemd or Airflow can say where they came from.
const TRIGGER = /^[a-z][a-z0-9-]{0,31}$/;
// A stopped run rolls back in well under a second; past this, the process leaves regardless.
const ROLLBACK_TIMEOUT_MS = 10_000;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
    force: {
      type: "boolean",
      default: false,
      description: "reload even when no source ETag changed",
    },
    quiet: {
      type: "boolean",
      default: false,
      description: "print only the summary and errors, no progress",
    },
    trigger: {
      type: "string",
      value: "NAME",
      default: "manual",
      description: "recorded in etl.runs.trigger: lower-case letters, digits and -",
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (!TRIGGER.test(values.trigger)) {
    console.error(
      `Invalid --trigger "${values.trigger}": expected lower-case letters, digits and - (--help lists the options)`,
    );
    return 2;
  }
  let redact = (text: string) => text;
  // One stop request (Ctrl-C, SIGTERM; signals to the whole group arrive twice at once) stops the
  // run: it rolls back and is recorded as failed with INTERRUPTED. A second one later leaves.
  using stops = createStopRequests({
    onStop: (signal) => {
      console.error(
        `etl:stopping on ${signal}; rolling back the run (a second request a second or more later leaves at once)`,
      );
      const timer = setTimeout(() => {
        console.error(`etl:killed the run did not roll back within 10 s of ${signal}`);
        Deno.exit(stops.exitCode());
      }, ROLLBACK_TIMEOUT_MS);
      Deno.unrefTimer(timer);
    },
    onLeave: (why) => {
      console.error(`etl:killed on ${why}: leaving without waiting for the rollback`);
      Deno.exit(stops.exitCode());
    },
  });
  try {
    const progress = createProgress({
      mode: values.quiet ? "quiet" : Deno.stderr.isTerminal() ? "live" : "plain",
    });
    const targets = await openTargets({
      ...chooseConfigFile(values.config),
      log: (line) => progress.event(line),
    });
    redact = redactor(targets.secrets);
    try {
      const summary = await runEtl(targets, {
        force: values.force,
        progress,
        trigger: values.trigger,
        signal: stops.stop,
      });
      console.log(redact(formatSummary(summary, targets.connectUrl, targets.passFile)));
      if (summary.unrecorded !== undefined) {
        console.error(redact(
          `etl:failed run ${summary.runId} could not be recorded as failed (${summary.unrecorded}); ` +
            "the next run marks it abandoned",
        ));
      }
      if (summary.error?.code === "INTERRUPTED") return stops.exitCode();
      if (summary.status === "failed") return 1;
      if (summary.export?.status === "failed") {
        return summary.export.error?.code === "INTERRUPTED" ? stops.exitCode() : 3;
      }
      return 0;
    } finally {
      await targets.close();
    }
  } catch (error) {
    console.error(failureLine("etl:failed", error, redact));
    return stops.stop.aborted ? stops.exitCode() : failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
