// Owns `deno task export`: write the published run as Parquet plus manifest.json, or verify one.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  EXPORT_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
  S3_HELP,
  usageError,
} from "./_command_line.ts";
import { chooseConfigFile, type DbSettings, type S3Settings } from "../config/settings.ts";
import { type ExportTarget, parseExportTarget, parseRunLocation } from "../config/export_target.ts";
import { PipelineError } from "../errors.ts";
import { openExportStore } from "../export/export_store.ts";
import { exportRun } from "../export/export_run.ts";
import { formatExportSummary } from "../export/format_export_summary.ts";
import { verifyExport } from "../export/verify_export.ts";
import { createProgress } from "../runtime/progress.ts";
import { createStopRequests } from "../runtime/stop_requests.ts";
import { connectDatabase } from "../db/connect_database.ts";
import { openDatabase, openTargets, redactor } from "../targets.ts";

const HELP = {
  command: "deno task export",
  summary: "Writes the published run as Parquet for training: interactions/part-NNNNN.parquet " +
    "(sorted by user_id, each user in one file), anime/part-00000.parquet and manifest.json, in " +
    "TARGET/run=N/, never changing an export already there (skipped when its manifest matches). " +
    "--verify checks an export's sizes, hashes, rows and schemas against its manifest, and its " +
    "counts against the run log and the published tables.",
  configuration: [CONFIG_FILE_HELP, DB_HELP, S3_HELP + " (for s3:// targets)", EXPORT_HELP],
  exitCodes: [
    [0, "exported, skipped because the export is already there, or verified"],
    [
      1,
      "failed (the published data is unchanged and nothing new is at the target), refused " +
      "(EXPORT_NOT_PUBLISHED: the run is not the published one), or verification found a mismatch",
    ],
    [2, "usage or configuration error"],
    [130, "stopped by Ctrl-C (SIGINT): nothing was written; recorded failed with INTERRUPTED"],
    [143, "stopped by SIGTERM: the same"],
  ],
} as const;

const OPTIONS = {
  config: CONFIG_OPTION,
  out: { type: "string", value: "DIR", description: "write into the folder DIR/run=N" },
  to: {
    type: "string",
    value: "s3://BUCKET/PREFIX",
    description: "write to S3 under PREFIX/run=N (the [S3] endpoint and credentials)",
  },
  run: {
    type: "string",
    value: "N",
    description: "refuse unless run N is the published run (default: the published run)",
  },
  verify: {
    type: "string",
    value: "DIR/run=N",
    description: "verify an export (a folder, or s3://BUCKET/PREFIX/run=N) instead of writing one",
  },
  quiet: { type: "boolean", default: false, description: "print only the result and errors" },
} as const;

// A stopped export removes its staging folder in well under a second.
const STOP_TIMEOUT_MS = 10_000;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const usage = (problem: string) => usageError(problem, HELP, OPTIONS);
  if (values.out !== undefined && values.to !== undefined) {
    return usage("Give --out DIR or --to s3://BUCKET/PREFIX, not both");
  }
  if (values.verify !== undefined && (values.out ?? values.to ?? values.run) !== undefined) {
    return usage("--verify takes the export's folder alone: drop --out, --to and --run");
  }
  const runId = values.run === undefined ? undefined : Number(values.run);
  if (runId !== undefined && !(Number.isInteger(runId) && runId >= 1)) {
    return usage(`--run must be a run id (an integer from 1), got "${values.run}"`);
  }
  let flagTarget: ExportTarget | undefined;
  let verifying: { target: ExportTarget; runId: number } | undefined;
  try {
    if (values.verify !== undefined) verifying = parseRunLocation(values.verify);
    if (values.out !== undefined) {
      if (/^s3:\/\//i.test(values.out)) throw new Error("--out takes a folder: use --to for s3://");
      flagTarget = parseExportTarget(values.out);
    }
    if (values.to !== undefined) {
      flagTarget = parseExportTarget(values.to);
      if (flagTarget.kind !== "s3") throw new Error("--to takes s3://BUCKET/PREFIX: use --out");
    }
  } catch (error) {
    return usage(`Invalid ${verifying ? "--verify" : "target"}: ${(error as Error).message}`);
  }

  let redact = (text: string) => text;
  using stops = createStopRequests({
    onStop: (signal) => {
      console.error(`export:stopping on ${signal}; removing what was written`);
      const timer = setTimeout(() => Deno.exit(stops.exitCode()), STOP_TIMEOUT_MS);
      Deno.unrefTimer(timer);
    },
    onLeave: () => Deno.exit(stops.exitCode()),
  });
  const progress = createProgress({ mode: values.quiet ? "quiet" : "plain" });
  const config = { ...chooseConfigFile(values.config), log: (line: string) => console.error(line) };
  let close = () => Promise.resolve();
  try {
    const database = await openDatabase(config);
    redact = redactor(database.secrets);
    const target = verifying?.target ?? flagTarget ?? database.exportTarget;
    if (target === undefined) {
      return usage(
        "No export target: give --out DIR or --to s3://BUCKET/PREFIX, or set [EXPORT] TARGET " +
          "(environment ETL_EXPORT_TARGET)",
      );
    }
    let s3: S3Settings | undefined;
    if (target.kind === "s3") {
      // The [S3] endpoint and credentials (the demo store's in the embedded default).
      const targets = await openTargets(config);
      close = () => targets.close();
      s3 = targets.s3;
    }
    if (verifying) {
      return await verify(database.db, target, verifying.runId, s3, redact);
    }
    const summary = await exportRun({
      db: database.db,
      target,
      ...(s3 ? { s3 } : {}),
      ...(runId !== undefined ? { runId } : {}),
      progress,
      signal: stops.stop,
    });
    console.log(redact(formatExportSummary(summary)));
    if (summary.status === "failed") {
      return summary.error?.code === "INTERRUPTED" ? stops.exitCode() : 1;
    }
    console.log(
      `read: pl.scanParquet(${JSON.stringify(`${summary.location}/interactions/`)}) and ` +
        `pl.readParquet(${JSON.stringify(`${summary.location}/anime/part-00000.parquet`)})`,
    );
    return 0;
  } catch (error) {
    console.error(failureLine("export:failed", error, redact));
    return stops.stop.aborted ? stops.exitCode() : failureExitCode(error);
  } finally {
    await close();
  }
}

async function verify(
  db: DbSettings,
  target: ExportTarget,
  runId: number,
  s3: S3Settings | undefined,
  redact: (text: string) => string,
): Promise<number> {
  const store = await openExportStore(target, s3);
  const sql = await connectDatabase(db, "anime-export-verify", { migrate: false });
  try {
    const report = await verifyExport(store, runId, { sql });
    for (const file of report.files) {
      console.log(
        `verify:${file.ok ? "ok" : "failed"} ${file.path} ${file.rows.toLocaleString("en-US")} ` +
          `rows, ${(file.sizeBytes / 1e6).toFixed(1)} MB`,
      );
    }
    if (report.problems.length > 0) {
      for (const problem of report.problems) console.error(redact(`verify:problem ${problem}`));
      throw new PipelineError(
        "EXPORT_MISMATCH",
        `Cannot verify ${report.location}: ${report.problems.length} ` +
          `problem${report.problems.length === 1 ? "" : "s"}, the first: ${report.problems[0]}`,
        { stage: "export" },
      );
    }
    const published = report.publishedRunId === runId
      ? "it is the published run and the tables hold its row counts"
      : `it is no longer published (run ${report.publishedRunId ?? "none"} is)`;
    console.log(
      `verify: ${report.location} matches its manifest (${report.files.length} files, sizes, ` +
        `SHA-256, rows, schemas) and run ${runId}'s sources and row counts in the run log; ` +
        published,
    );
    return 0;
  } finally {
    store.close();
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
