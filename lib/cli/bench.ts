// Owns `deno task bench`: runs the benchmark, prints its table and writes it as JSON under reports/bench/.
import { resolve } from "node:path";
import {
  failureExitCode,
  failureLine,
  parseCommandLine,
  readIntegerOption,
} from "./_command_line.ts";
import { formatReport } from "../bench/format_report.ts";
import { type BenchReport, runBench } from "../bench/run_bench.ts";
import { DATASET_LIMITS } from "../generate/generate_dataset.ts";
import { embeddedPort } from "../targets.ts";

const HELP = {
  command: "deno task bench",
  summary: "Measures the pipeline against the physical limit in the same run (COPY plus the " +
    "primary key), the capstone's row-by-row INSERT, the EDA read, a daily delta applied by an " +
    "incremental run and a full refresh replaying --deltas deltas; prints the table and " +
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
  "delta-rows": {
    type: "string",
    value: "M",
    default: "80000",
    description: "rows of each daily delta (~60% updates, 35% new pairs, 5% removals), applied " +
      "to the published data by an incremental run; keep it when comparing 32M with 8M rows",
  },
  deltas: {
    type: "string",
    value: "N",
    default: "10",
    description: "deltas present for the full refresh that replays them, 0 to 3,650; 0 " +
      "measures no delta row",
  },
  repeat: {
    type: "string",
    value: "N",
    default: "1",
    description: "rounds of the limit (COPY + primary key) and the full refresh, alternating, " +
      "1 to 9; the table shows their medians, for a host whose speed moves between minutes",
  },
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const rows = readCount("animelist-rows", values["animelist-rows"], 1000);
  if ("exitCode" in rows) return rows.exitCode;
  const capstoneRows = readCount("capstone-rows", values["capstone-rows"], 1);
  if ("exitCode" in capstoneRows) return capstoneRows.exitCode;
  const deltaRows = readCount("delta-rows", values["delta-rows"], 1, DATASET_LIMITS.deltaRows);
  if ("exitCode" in deltaRows) return deltaRows.exitCode;
  const deltas = readCount("deltas", values.deltas, 0, DATASET_LIMITS.deltas);
  if ("exitCode" in deltas) return deltas.exitCode;
  const repeat = readIntegerOption("repeat", values.repeat, { min: 1, max: 9 }, HELP, OPTIONS);
  if ("exitCode" in repeat) return repeat.exitCode;
  let port: number;
  try {
    port = embeddedPort();
  } catch (error) {
    console.error(failureLine("bench:failed", error));
    return failureExitCode(error);
  }
  try {
    const report = await runBench({
      animelistRows: rows.value,
      capstoneRows: capstoneRows.value,
      deltaRows: deltaRows.value,
      deltas: deltas.value,
      repeat: repeat.value,
      port,
    });
    const baseline = await readReport(rows.value / 4);
    console.log(formatReport(report, baseline));
    await Deno.mkdir(REPORTS, { recursive: true });
    const json = JSON.stringify(report, null, 2);
    await Deno.writeTextFile(`${REPORTS}bench-${rows.value}.json`, json);
    await Deno.writeTextFile(`${REPORTS}latest.json`, json);
    console.log(`bench:written ${REPORTS}bench-${rows.value}.json`);
    if (report.notebook02Failure) {
      console.error(`bench:failed notebook 02: ${report.notebook02Failure}`);
      return 1;
    }
    return 0;
  } catch (error) {
    // One line naming what failed (a port taken, an s3rver error), not an uncaught stack trace.
    console.error(failureLine("bench:failed", error));
    return failureExitCode(error);
  }
}

async function readReport(rows: number): Promise<BenchReport | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${REPORTS}bench-${rows}.json`)) as BenchReport;
  } catch {
    return undefined;
  }
}

// An option that counts rows, from `min` to the generator's bound; else the usage error's exit code.
function readCount(
  name: keyof typeof OPTIONS,
  text: string,
  min: number,
  max: number = MAX_ROWS,
): { value: number } | { exitCode: number } {
  return readIntegerOption(name, text, { min, max }, HELP, OPTIONS);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
