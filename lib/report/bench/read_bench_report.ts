// Owns reading the latest `deno task bench` report from reports/bench/, if a benchmark has been run.
/**
 * @example Read the last benchmark, if any
 * ```ts
 * import { readBenchReport } from "./read_bench_report.ts";
 * const report = await readBenchReport("/nonexistent/reports/bench");
 * console.log(report === undefined ? "not run" : report.results.length);
 * ```
 */
import type { BenchReport } from "../../bench/run_bench.ts";

/**
 * Reads `latest.json`, which `deno task bench` writes after each benchmark.
 *
 * @param directory The benchmark folder, e.g. `<repo>/reports/bench`.
 * @returns The report; undefined when no benchmark has been run (no `latest.json`).
 * @throws {SyntaxError} When the file is not a benchmark report, naming the file.
 */
export async function readBenchReport(directory: string): Promise<BenchReport | undefined> {
  const path = `${directory}/latest.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let report: Partial<BenchReport>;
  try {
    report = JSON.parse(text) as Partial<BenchReport>;
  } catch (error) {
    throw new SyntaxError(`Cannot read benchmark "${path}": ${(error as Error).message}`);
  }
  if (!Array.isArray(report.results) || typeof report.etl?.seconds !== "number") {
    throw new SyntaxError(
      `Cannot read benchmark "${path}": expected "results" and "etl.seconds" as deno task bench writes them`,
    );
  }
  return report as BenchReport;
}
