// Owns `deno task etl`: resolve configuration, start the embedded default if needed, run, summarise.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
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
import { formatSummary } from "../runtime/summary.ts";

const HELP = {
  command: "deno task etl",
  summary: "One run: stream the four source objects from S3 into PostgreSQL's star schema, " +
    "quarantine what cannot load, check it and publish atomically; skipped when no source ETag " +
    "changed since the last published run.",
  configuration: [CONFIG_FILE_HELP, S3_HELP, DB_HELP, LIMITS_HELP],
  exitCodes: [
    [0, "succeeded, or skipped because no source changed"],
    [
      1,
      "failed: the published data is unchanged; the summary or the etl:failed line names the code",
    ],
    [2, "usage or configuration error (CONFIG_MISSING, CONFIG_INVALID): nothing was run"],
  ],
} as const;
// Recorded in etl.runs.trigger, so runs from cron, systemd or Airflow can say where they came from.
const TRIGGER = /^[a-z][a-z0-9-]{0,31}$/;

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
      });
      console.log(redact(formatSummary(summary, targets.connectUrl, targets.passFile)));
      return summary.status === "failed" ? 1 : 0;
    } finally {
      await targets.close();
    }
  } catch (error) {
    console.error(failureLine("etl:failed", error, redact));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
