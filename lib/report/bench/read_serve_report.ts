// Owns reading a `deno task bench:serve` report for notebook 05: the latest run on this machine,
// else the measured run committed under docs/measurements/.
/**
 * @example The report and the rows notebook 05 shows
 * ```ts
 * import assert from "node:assert/strict";
 * import { readServeReport, serveTables } from "./read_serve_report.ts";
 * const found = await readServeReport(["/nonexistent/serve-latest.json"]);
 * assert.equal(found, undefined);
 * ```
 */
import type { ServeReport } from "../../bench/serve_bench.ts";

/** A report and the file it came from. */
export interface FoundServeReport {
  path: string;
  report: ServeReport;
}

/**
 * Reads the first of `paths` that exists.
 *
 * @returns The report and its path; undefined when none exists.
 * @throws {SyntaxError} When a file is not a bench:serve report, naming the file.
 */
export async function readServeReport(paths: string[]): Promise<FoundServeReport | undefined> {
  for (const path of paths) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    const report = JSON.parse(text) as Partial<ServeReport>;
    if (typeof report.qps !== "number" || !Array.isArray(report.publishes)) {
      throw new SyntaxError(
        `Cannot read "${path}": expected "qps" and "publishes" as deno task bench:serve writes them`,
      );
    }
    return { path, report: report as ServeReport };
  }
  return undefined;
}

/**
 * The report as table rows: latency per query kind, the publishes, the verdicts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveTables } from "./read_serve_report.ts";
 * const summary = { queries: 2, p50Ms: 1, p95Ms: 2, p99Ms: 2, maxMs: 2 };
 * const tables = serveTables({
 *   seconds: 1, qps: 2, latency: summary, byQuery: [{ query: "user_list", ...summary }],
 *   publishes: [], verdicts: [{ target: "no failed query", measured: "0 failed", met: true }],
 * });
 * assert.equal(tables.latency[0]!.query, "all");
 * assert.equal(tables.verdicts[0]!.verdict, "met");
 * ```
 */
export function serveTables(
  report: Pick<ServeReport, "seconds" | "qps" | "latency" | "byQuery" | "publishes" | "verdicts">,
) {
  const round = (value: number) => Math.round(value * 10) / 10;
  const latency = [
    { query: "all", ...report.latency, qps: report.qps },
    ...report.byQuery.map((entry) => ({ ...entry, qps: entry.queries / report.seconds })),
  ].map((entry) => ({
    query: entry.query,
    queries: entry.queries,
    qps: round(entry.qps),
    p50_ms: round(entry.p50Ms),
    p95_ms: round(entry.p95Ms),
    p99_ms: round(entry.p99Ms),
    max_ms: round(entry.maxMs),
  }));
  const publishes = report.publishes.map((publish) => ({
    publish: publish.name,
    run: publish.runKind,
    started_at_s: round(publish.startedAtSeconds),
    seconds: round(publish.seconds),
    queries_meanwhile: publish.queries,
    worst_stall_ms: round(publish.worstStallMs),
  }));
  const verdicts = report.verdicts.map((verdict) => ({
    target: verdict.target,
    measured: verdict.measured,
    verdict: verdict.met ? "met" : "missed",
  }));
  return { latency, publishes, verdicts };
}
