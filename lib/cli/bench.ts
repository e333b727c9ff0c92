// Owns `deno task bench`: runs the benchmark, prints its table and writes it as JSON under reports/bench/.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatReport } from "../bench/format_report.ts";
import { type BenchReport, runBench } from "../bench/run_bench.ts";
import { embeddedPort } from "../targets.ts";

const USAGE = "usage: deno task bench [--animelist-rows N] [--capstone-rows N]";
// Relative to the working folder, like the embedded server's `.data`: `deno task bench` runs from the
// repository root, where notebook 05 reads the latest report.
const REPORTS = `${resolve("reports/bench")}/`;

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "animelist-rows": { type: "string", default: "8000000" },
        "capstone-rows": { type: "string", default: "100000" },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    return 2;
  }
  const rows = Number(values["animelist-rows"]);
  const capstoneRows = Number(values["capstone-rows"]);
  if (
    !Number.isInteger(rows) || rows < 1000 || !Number.isInteger(capstoneRows) || capstoneRows < 1
  ) {
    console.error(`--animelist-rows must be an integer of at least 1000\n${USAGE}`);
    return 2;
  }
  const report = await runBench({ animelistRows: rows, capstoneRows, port: embeddedPort() });
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
