// Owns the benchmark's printed table and its verdicts against the project's performance targets.
/**
 * @example
 * ```ts ignore
 * import { formatReport } from "./format_report.ts";
 * console.log(formatReport(report, undefined));
 * ```
 */
import type { BenchReport } from "./run_bench.ts";

/** The targets of issues 4 and 15, checked against each run. */
export const TARGETS = {
  maxRatioToLimit: 1.5,
  maxPeakRssBytes: 250e6,
  minSpeedupOverCapstone: 100,
  /** Notebook 02's polars read from S3 against the same read from local disk. */
  maxEdaRatio: 2,
  /** 32M rows against 8M rows. */
  maxScaleTimeRatio: 4.4,
  maxScaleRssRatio: 1.1,
  /** Notebook 02's largest process (its kernel), at any size: a laptop can afford it. */
  maxNotebook02RssBytes: 1.5e9,
  /** Issue 17: deno task export against COPY anime_list TO STDOUT, and its peak RSS. */
  maxExportRatioToCopy: 2,
  maxExportPeakRssBytes: 250e6,
  maxExportScaleRssRatio: 1.1,
  /** Issue 15: a 1% delta against the full refresh of the same run. */
  maxDeltaRatioToFull: 0.15,
  /** Issue 15: the same delta on 4x the rows. */
  maxDeltaScaleRatio: 1.3,
  /** Issue 15: the full refresh with its deltas to replay, against the limit. */
  maxReplayRatioToLimit: 1.3,
} as const;

const number = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Formats one report as a table with ratios to the limit and the target verdicts.
 *
 * @param baseline A report at a quarter of the rows (8M for a 32M run) for the linearity targets.
 */
export function formatReport(report: BenchReport, baseline: BenchReport | undefined): string {
  const limit = report.results.find((result) => result.name.startsWith("limit"))!;
  const lines = [
    `animelist.csv ${number(report.animelistRows)} rows, ${
      number(report.animelistBytes / 1e6, 1)
    } MB; ` +
    `all four files ${
      number(report.totalSourceBytes / 1e6, 1)
    } MB; PostgreSQL ${report.postgresVersion}; ` +
    `${report.cores} cores${report.walLevel ? `; wal_level ${report.walLevel}` : ""}`,
    `${"way".padEnd(42)}${"seconds".padStart(9)}${"rows/s".padStart(12)}${"MB/s".padStart(8)}${
      "÷ limit".padStart(9)
    }`,
  ];
  for (const result of report.results) {
    lines.push(
      `${(result.name + (result.extrapolated ? " *" : "")).padEnd(42)}${
        number(result.seconds, 1).padStart(9)
      }${number(result.rows / result.seconds).padStart(12)}${
        number(result.bytes / 1e6 / result.seconds, 1).padStart(8)
      }${number(result.seconds / limit.seconds, 2).padStart(9)}`,
    );
  }
  lines.push(
    "* extrapolated from the first rows: " +
      (report.results.find((result) => result.extrapolated)?.note ?? "none"),
    `ETL process: peak RSS ${number(report.etl.peakRssBytes / 1e6)} MB; run ${
      number(report.etl.runSeconds, 1)
    } s ` +
      `of ${number(report.etl.seconds, 1)} s wall (the rest is process start and S3 listing)`,
  );
  if (report.repeats) {
    const seconds = (values: number[]) => values.map((value) => number(value, 1)).join(", ");
    lines.push(
      `medians of ${report.repeats.etlSeconds.length} alternating rounds: this pipeline ${
        seconds(report.repeats.etlSeconds)
      } s; limit ${seconds(report.repeats.limitSeconds)} s (peak RSS: the largest)`,
    );
  }
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  lines.push(
    `target ≤ ${TARGETS.maxRatioToLimit}x the limit: ${number(report.ratioToLimit, 2)}x, ${
      verdict(report.ratioToLimit <= TARGETS.maxRatioToLimit)
    }`,
    `target peak RSS ≤ ${TARGETS.maxPeakRssBytes / 1e6} MB: ${
      number(report.etl.peakRssBytes / 1e6)
    } MB, ${verdict(report.etl.peakRssBytes <= TARGETS.maxPeakRssBytes)}`,
    `target ≥ ${TARGETS.minSpeedupOverCapstone}x the capstone's way: ${
      number(report.speedupOverCapstone)
    }x, ${verdict(report.speedupOverCapstone >= TARGETS.minSpeedupOverCapstone)}`,
  );
  if (report.eda) {
    const ratio = report.eda.s3Seconds / report.eda.localSeconds;
    lines.push(
      `target EDA read into polars from S3 ≤ ${TARGETS.maxEdaRatio}x local: ${
        number(report.eda.s3Seconds, 1)
      } s ` +
        `vs ${number(report.eda.localSeconds, 1)} s, ${number(ratio, 2)}x, ${
          verdict(ratio <= TARGETS.maxEdaRatio)
        }` + (report.eda.s3Runs ? " (medians of 3 runs)" : ""),
    );
  }
  if (report.notebook02) {
    lines.push(
      `target notebook 02 peak RSS ≤ ${number(TARGETS.maxNotebook02RssBytes / 1e6)} MB: ${
        number(report.notebook02.peakRssBytes / 1e6)
      } MB (its largest process, the kernel), ${number(report.notebook02.seconds, 1)} s, ${
        verdict(report.notebook02.peakRssBytes <= TARGETS.maxNotebook02RssBytes)
      }`,
    );
  }
  if (report.notebook02Failure) {
    lines.push(
      `target notebook 02 peak RSS ≤ ${number(TARGETS.maxNotebook02RssBytes / 1e6)} MB: ` +
        `not measured, the notebook failed (${report.notebook02Failure}), MISSED`,
    );
  }
  if (report.export) {
    const exported = report.export;
    lines.push(
      `target export ≤ ${TARGETS.maxExportRatioToCopy}x COPY anime_list TO STDOUT: ${
        number(exported.seconds, 1)
      } s vs ${number(exported.copySeconds, 1)} s, ${number(exported.ratioToCopy, 2)}x, ${
        verdict(exported.ratioToCopy <= TARGETS.maxExportRatioToCopy)
      }`,
      `target export peak RSS ≤ ${TARGETS.maxExportPeakRssBytes / 1e6} MB: ${
        number(exported.peakRssBytes / 1e6)
      } MB, ${verdict(exported.peakRssBytes <= TARGETS.maxExportPeakRssBytes)}`,
    );
  }
  const deltas = report.deltas;
  if (deltas) {
    const { incremental, replay } = deltas;
    const ratio = incremental.seconds / report.etl.seconds;
    const notIncremental = incremental.kind === "incremental"
      ? ""
      : ` (the run was ${incremental.kind}, not incremental)`;
    lines.push(
      `target a delta of ${number(deltas.deltaRows)} rows ≤ ${
        TARGETS.maxDeltaRatioToFull * 100
      }% of the full refresh: ${number(incremental.seconds, 1)} s vs ${
        number(report.etl.seconds, 1)
      } s, ${number(ratio * 100, 1)}%, ${
        verdict(ratio <= TARGETS.maxDeltaRatioToFull && !notIncremental)
      }${notIncremental}`,
    );
    const replayRatio = replay.seconds / limit.seconds;
    lines.push(
      `target full refresh with ${replay.replayed} deltas ≤ ${TARGETS.maxReplayRatioToLimit}x the ` +
        `limit: ${number(replayRatio, 2)}x, ${
          verdict(replayRatio <= TARGETS.maxReplayRatioToLimit && replay.kind === "full")
        }${replay.kind === "full" ? "" : ` (the run was ${replay.kind}, not full)`}`,
    );
  }
  if (baseline) {
    const timeRatio = report.etl.seconds / baseline.etl.seconds;
    const rssRatio = report.etl.peakRssBytes / baseline.etl.peakRssBytes;
    const scale = report.animelistRows / baseline.animelistRows;
    lines.push(
      `target ${number(scale)}x rows in ≤ ${TARGETS.maxScaleTimeRatio}x time: ${
        number(timeRatio, 2)
      }x, ${verdict(timeRatio <= TARGETS.maxScaleTimeRatio)}`,
      `target peak RSS ≤ ${TARGETS.maxScaleRssRatio}x at ${number(scale)}x rows: ${
        number(rssRatio, 2)
      }x, ${verdict(rssRatio <= TARGETS.maxScaleRssRatio)}`,
    );
    if (report.export && baseline.export) {
      const exportRss = report.export.peakRssBytes / baseline.export.peakRssBytes;
      lines.push(
        `target export peak RSS ≤ ${TARGETS.maxExportScaleRssRatio}x at ${number(scale)}x rows: ${
          number(exportRss, 2)
        }x, ${verdict(exportRss <= TARGETS.maxExportScaleRssRatio)}`,
      );
    }
    const before = baseline.deltas;
    if (deltas && before && before.deltaRows === deltas.deltaRows) {
      const deltaRatio = deltas.incremental.seconds / before.incremental.seconds;
      const both = deltas.incremental.kind === "incremental" &&
        before.incremental.kind === "incremental";
      lines.push(
        `target the same delta at ${number(scale)}x rows in ≤ ${TARGETS.maxDeltaScaleRatio}x ` +
          `time: ${number(deltas.incremental.seconds, 1)} s vs ${
            number(before.incremental.seconds, 1)
          } s, ${number(deltaRatio, 2)}x, ${
            verdict(deltaRatio <= TARGETS.maxDeltaScaleRatio && both)
          }${both ? "" : " (not both incremental runs)"}`,
      );
    }
  }
  return lines.join("\n");
}
