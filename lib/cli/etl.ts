// Owns `deno task etl`: resolve configuration, start the embedded default if needed, run, summarise.
import { parseCommandLine } from "./_command_line.ts";
import { errorMessage } from "../errors.ts";
import { openTargets, redactor } from "../targets.ts";
import { runEtl } from "../run_etl.ts";
import { createProgress } from "../runtime/progress.ts";
import { formatSummary } from "../runtime/summary.ts";

const USAGE = "usage: deno task etl [--config FILE] [--force] [--quiet] [--trigger NAME]";
// Recorded in etl.runs.trigger, so runs from cron, systemd or Airflow can say where they came from.
const TRIGGER = /^[a-z][a-z0-9-]{0,31}$/;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, USAGE, {
    config: { type: "string", default: "./credentials.cfg" },
    force: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    trigger: { type: "string", default: "manual" },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (!TRIGGER.test(values.trigger)) {
    console.error(
      `Invalid --trigger "${values.trigger}": expected lower-case letters, digits and -\n${USAGE}`,
    );
    return 2;
  }
  let redact = (text: string) => text;
  try {
    const progress = createProgress({
      mode: values.quiet ? "quiet" : Deno.stderr.isTerminal() ? "live" : "plain",
    });
    const targets = await openTargets({
      configPath: values.config,
      log: (line) => progress.event(line),
    });
    redact = redactor(targets.secrets);
    try {
      const summary = await runEtl(targets, {
        force: values.force,
        progress,
        trigger: values.trigger,
      });
      console.log(redact(formatSummary(summary, targets.connectUrl)));
      return summary.status === "failed" ? 1 : 0;
    } finally {
      await targets.close();
    }
  } catch (error) {
    console.error(redact(`etl:failed ${errorMessage(error)}`));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
