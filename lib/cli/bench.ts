// Owns `deno task bench`: runs the benchmark, prints its table and writes it as JSON under reports/bench/.
import { resolve } from "node:path";
import { failureExitCode, failureLine, parseCommandLine, usageError } from "./_command_line.ts";
import { formatReport } from "../bench/format_report.ts";
import { type BenchReport, runBench } from "../bench/run_bench.ts";
import { DATASET_LIMITS } from "../generate/generate_dataset.ts";
import { embeddedPort } from "../targets.ts";

const HELP = {
  command: "deno task bench",
  summary: "Measures the pipeline against the physical limit in the same run (COPY plus the " +
    "primary key), the capstone's row-by-row INSERT and the EDA read; prints the table and " +
    "writes it as JSON under reports/bench/. Takes minutes at the default size.",
  configuration: [
    "ETL_EMBEDDED_PORT (default 54329): port of the embedded PostgreSQL it uses, data in ./.data; " +
    "the dataset, S3 store and reports are cached under ./.data/bench and ./reports/bench",
    "reads no credentials.cfg: it generates its data and serves it from s3rver",
  ],
  exitCodes: [
    [0, "measured; the report was written"],
    [1, "a measurement failed"],
    [2, "usage error, or ETL_EMBEDDED_PORT is not a port"],
  ],
} as const;
// Relative to the working folder, like the embedded server's `.data`: `deno task bench` runs from the
// repository root, where notebook 05 reads the latest report.
const REPORTS = `${resolve("reports/bench")}/`;
// The generator's bound (lib/generate/generate_dataset.ts).
const MAX_ROWS = DATASET_LIMITS.animelistRows;

const OPTIONS = {
  "animelist-rows": {
    type: "string",
    value: "N",
    default: "8000000",
    description: `rows of the generated animelist.csv, 1,000 to ${
      MAX_ROWS.toLocaleString("en-US")
    }`,
  },
  "capstone-rows": {
    type: "string",
    value: "N",
    default: "100000",
    description: "rows timed for the row-by-row INSERT comparison, at most --animelist-rows",
  },
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const rows = Number(values["animelist-rows"]);
  const capstoneRows = Number(values["capstone-rows"]);
  if (!Number.isInteger(rows) || rows < 1000 || rows > MAX_ROWS) {
    const given = values["animelist-rows"];
    return usageError(
      `--animelist-rows must be an integer from 1000 to ${MAX_ROWS}, got "${given}"`,
      HELP,
      OPTIONS,
    );
  }
  if (!Number.isInteger(capstoneRows) || capstoneRows < 1 || capstoneRows > MAX_ROWS) {
    const given = values["capstone-rows"];
    return usageError(
      `--capstone-rows must be an integer from 1 to ${MAX_ROWS}, got "${given}"`,
      HELP,
      OPTIONS,
    );
  }
  let port: number;
  try {
    port = embeddedPort();
  } catch (error) {
    console.error(failureLine("bench:failed", error));
    return failureExitCode(error);
  }
  const report = await runBench({ animelistRows: rows, capstoneRows, port });
  const baseline = await readReport(rows / 4);
  console.log(formatReport(report, baseline));
  await Deno.mkdir(REPORTS, { recursive: true });
  const json = JSON.stringify(report, null, 2);
  await Deno.writeTextFile(`${REPORTS}bench-${rows}.json`, json);
  await Deno.writeTextFile(`${REPORTS}latest.json`, json);
  console.log(`bench:written ${REPORTS}bench-${rows}.json`);
  return 0;
}

async function readReport(rows: number): Promise<BenchReport | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${REPORTS}bench-${rows}.json`)) as BenchReport;
  } catch {
    return undefined;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
