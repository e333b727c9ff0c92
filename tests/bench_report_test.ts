// Tests for the benchmark's printed table: ratios against the limit and the target verdicts.
import assert from "node:assert/strict";
import { formatReport } from "../lib/bench/format_report.ts";
import {
  type BenchReport,
  type BenchResult,
  notebookCellTimeoutSeconds,
  notebookFailure,
} from "../lib/bench/run_bench.ts";

function result(name: string, seconds: number, extra: Partial<BenchResult> = {}): BenchResult {
  return { name, seconds, rows: 8_000_000, bytes: 222e6, extrapolated: false, note: "", ...extra };
}

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  return {
    measuredAt: "2026-11-28T07:00:00.000Z",
    animelistRows: 8_000_000,
    animelistBytes: 222e6,
    totalSourceBytes: 237e6,
    postgresVersion: "17.10",
    cores: 2,
    results: [
      result("this pipeline (deno task etl, 4 files)", 21),
      result("limit: COPY + PRIMARY KEY", 17.5),
      result("limit, load session settings", 16.8),
      result("capstone: INSERT per row", 7000, {
        extrapolated: true,
        note: "87.5 s for the first 100,000 rows, extrapolated",
      }),
    ],
    etl: { seconds: 21, peakRssBytes: 177e6, runSeconds: 20.6, rowsLoaded: 7_968_000 },
    ratioToLimit: 21 / 17.5,
    speedupOverCapstone: 7000 / 21,
    eda: { s3Seconds: 1.6, localSeconds: 1, s3Runs: [1.6, 1.5, 1.7], localRuns: [1, 0.9, 1.1] },
    ...overrides,
  };
}

Deno.test("formatReport divides by the first limit row and gives each target a verdict", () => {
  const lines = formatReport(report(), undefined).split("\n");
  assert.ok(lines.some((line) => /^this pipeline .* 21\.0 .* 1\.20$/.test(line)), lines.join("\n"));
  assert.ok(lines.some((line) => /^limit, load session settings .* 0\.96$/.test(line)));
  assert.ok(lines.includes("target ≤ 1.5x the limit: 1.20x, met"));
  assert.ok(lines.includes("target peak RSS ≤ 250 MB: 177 MB, met"));
  assert.ok(lines.includes("target ≥ 100x the capstone's way: 333x, met"));
  assert.ok(
    lines.includes(
      "target EDA read into polars from S3 ≤ 2x local: 1.6 s vs 1.0 s, 1.60x, met (medians of 3 runs)",
    ),
  );
});

Deno.test("formatReport marks missed targets and compares a larger run with its baseline", () => {
  const slow = report({
    animelistRows: 32_000_000,
    ratioToLimit: 1.6,
    etl: { seconds: 100, peakRssBytes: 260e6, runSeconds: 99, rowsLoaded: 31_872_000 },
    eda: { s3Seconds: 2.5, localSeconds: 1 },
  });
  const lines = formatReport(slow, report()).split("\n");
  assert.ok(lines.includes("target ≤ 1.5x the limit: 1.60x, MISSED"));
  assert.ok(lines.includes("target peak RSS ≤ 250 MB: 260 MB, MISSED"));
  assert.ok(
    lines.includes("target EDA read into polars from S3 ≤ 2x local: 2.5 s vs 1.0 s, 2.50x, MISSED"),
  );
  assert.ok(lines.includes("target 4x rows in ≤ 4.4x time: 4.76x, MISSED"));
  assert.ok(lines.includes("target peak RSS ≤ 1.1x at 4x rows: 1.47x, MISSED"));
});

Deno.test("formatReport holds the export to 2x its COPY TO STDOUT, 250 MB and 1.1x at 4x rows", () => {
  const exported = (seconds: number, peakRssBytes: number) => ({
    seconds,
    peakRssBytes,
    rows: 7_968_000,
    bytes: 52e6,
    files: 4,
    copySeconds: 5,
    copyBytes: 150e6,
    ratioToCopy: seconds / 5,
  });
  const base = report({ export: exported(8, 180e6) });
  const met = formatReport(base, undefined).split("\n");
  assert.ok(
    met.includes("target export ≤ 2x COPY anime_list TO STDOUT: 8.0 s vs 5.0 s, 1.60x, met"),
  );
  assert.ok(met.includes("target export peak RSS ≤ 250 MB: 180 MB, met"));
  const larger = report({ animelistRows: 32_000_000, export: exported(11, 200e6) });
  const missed = formatReport(larger, base).split("\n");
  assert.ok(
    missed.includes("target export ≤ 2x COPY anime_list TO STDOUT: 11.0 s vs 5.0 s, 2.20x, MISSED"),
  );
  assert.ok(missed.includes("target export peak RSS ≤ 1.1x at 4x rows: 1.11x, MISSED"));
  // A report from before the export rows has no export lines.
  assert.ok(!formatReport(report(), undefined).includes("export"));
});

Deno.test("formatReport gives the delta rows their targets, and compares the delta at 4x rows", () => {
  const deltas = (incremental: number, kind = "incremental") => ({
    deltaRows: 80_000,
    incremental: { seconds: incremental, peakRssBytes: 90e6, runSeconds: 1, kind, bytes: 1.6e6 },
    replay: {
      seconds: 22,
      peakRssBytes: 180e6,
      runSeconds: 21.5,
      kind: "full",
      replayed: 10,
      bytes: 16e6,
    },
  });
  const lines = formatReport(report({ deltas: deltas(2.1) }), undefined).split("\n");
  assert.ok(
    lines.includes(
      "target a delta of 80,000 rows ≤ 15% of the full refresh: 2.1 s vs 21.0 s, 10.0%, met",
    ),
    lines.join("\n"),
  );
  assert.ok(lines.includes("target full refresh with 10 deltas ≤ 1.3x the limit: 1.26x, met"));
  const skipped = formatReport(report({ deltas: deltas(0.5, "skipped") }), undefined);
  assert.match(skipped, /2\.4%, MISSED \(the run was skipped, not incremental\)$/m);
  const large = report({
    animelistRows: 32_000_000,
    etl: { seconds: 84, peakRssBytes: 180e6, runSeconds: 83, rowsLoaded: 31_872_000 },
    deltas: deltas(3),
  });
  const scaled = formatReport(large, report({ deltas: deltas(2) })).split("\n");
  assert.ok(
    scaled.includes(
      "target the same delta at 4x rows in ≤ 1.3x time: 3.0 s vs 2.0 s, 1.50x, MISSED",
    ),
    scaled.join("\n"),
  );
  const unlike = formatReport(large, report({ deltas: { ...deltas(2), deltaRows: 1_000 } }));
  assert.doesNotMatch(unlike, /the same delta/, "deltas of other sizes are not compared");
});

Deno.test("formatReport names a failed notebook 02 as a missed target and keeps every other row", () => {
  const failed = report({ notebook02Failure: "nbclient.exceptions.CellTimeoutError: timed out" });
  const lines = formatReport(failed, undefined).split("\n");
  assert.ok(
    lines.includes(
      "target notebook 02 peak RSS ≤ 1,500 MB: not measured, the notebook failed " +
        "(nbclient.exceptions.CellTimeoutError: timed out), MISSED",
    ),
    lines.join("\n"),
  );
  assert.ok(lines.includes("target ≤ 1.5x the limit: 1.20x, met"));
  assert.ok(!formatReport(report(), undefined).includes("notebook 02 failed"));
});

Deno.test("notebookFailure picks nbconvert's error line, and the cell timeout grows with the file", () => {
  const stderr = [
    "Traceback (most recent call last):",
    '  File "/usr/bin/jupyter-nbconvert", line 33, in <module>',
    "nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 600 seconds.",
    "The message was: Cell execution timed out.",
    "Here is a preview of the cell contents:",
    "-------------------",
    "['const anime = await readSourceFrame(session.s3);']",
    "",
  ].join("\n");
  assert.equal(
    notebookFailure(stderr),
    "nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 600 seconds.",
  );
  assert.equal(notebookFailure("killed\n"), "killed");
  assert.equal(notebookFailure(""), "no error output");
  assert.equal(notebookCellTimeoutSeconds(222e6), 600);
  assert.equal(notebookCellTimeoutSeconds(3.3e9), 6600);
});
