// Owns printing a `deno task bench:serve` report: one table of latencies, the publishes, verdicts.
/**
 * @example
 * ```ts ignore
 * import { formatServeReport } from "./format_serve_report.ts";
 * console.log(formatServeReport(report));
 * ```
 */
import type { LatencySummary, ServeReport } from "./serve_bench.ts";

/**
 * The report as text: a header line, the run's priority, hogs and load average, the latency table (all queries, then each kind), the
 * publishes with their worst stall, and one `target ...: met|missed` line per target.
 */
export function formatServeReport(report: ServeReport): string {
  const number = (value: number, digits = 0) =>
    value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const row = (name: string, summary: LatencySummary, qps: number) =>
    `${name.padEnd(28)}${number(summary.queries).padStart(10)}${number(qps, 1).padStart(10)}` +
    [summary.p50Ms, summary.p95Ms, summary.p99Ms, summary.maxMs]
      .map((ms) => number(ms, 1).padStart(10)).join("");
  const lines = [
    `${number(report.clients)} clients through PgBouncer (pool ${report.poolSize}) for ` +
    `${number(report.seconds, 1)} s on ${number(report.animelistRows)} list rows; PostgreSQL ` +
    `${report.postgresVersion}; ${report.cores} cores; wal_level ${report.walLevel}; ` +
    `each answer ${report.answers === "statement" ? "one statement" : `a ${report.answers}`}; ` +
    (report.rate > 0
      ? `paced at ${number(report.rate)} answers per second`
      : "closed loop (each client asks again at once)"),
    `ETL_PRIORITY ${report.priority ?? "default"}; CPU hogs ${report.cpuHogs ?? 0}; load average ` +
    `${report.loadAverage?.start ?? "?"} at the start, ${
      report.loadAverage?.end ?? "?"
    } at the end`,
    `${"query".padEnd(28)}${"queries".padStart(10)}${"qps".padStart(10)}${"p50 ms".padStart(10)}` +
    `${"p95 ms".padStart(10)}${"p99 ms".padStart(10)}${"max ms".padStart(10)}`,
    row("all", report.latency, report.qps),
    ...report.byQuery.map((entry) => row(entry.query, entry, entry.queries / report.seconds)),
    `errors ${report.errors}; answers from a mixed data set ${report.inconsistent}` +
    (report.errorSamples.length > 0 ? `; e.g. ${report.errorSamples.join(" | ")}` : ""),
    ...report.inconsistentSamples.map((sample) => `mixed: ${sample}`),
    ...report.publishes.map((publish) =>
      `publish ${publish.name} (etl: ${publish.runKind}) at ${
        number(publish.startedAtSeconds, 1)
      } s ` +
      `for ${number(publish.seconds, 1)} s: ${number(publish.queries)} queries meanwhile, worst ` +
      `stall ${number(publish.worstStallMs, 1)} ms` +
      (publish.latency ? `, p95 ${number(publish.latency.p95Ms, 1)} ms` : "") +
      (publish.priority ? `\n  priority: ${publish.priority}` : "")
    ),
    ...report.verdicts.map((verdict) =>
      `target ${verdict.target}: ${verdict.measured}, ${verdict.met ? "met" : "MISSED"}`
    ),
  ];
  return lines.join("\n");
}
