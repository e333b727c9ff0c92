// Tests for progress lines (live, plain, quiet) and the end-of-run summary text.
import assert from "node:assert/strict";
import type { FileSummary, RunSummary } from "../lib/run_etl.ts";
import { createProgress, describeProgress, type ProgressMode } from "../lib/runtime/progress.ts";
import { formatSummary } from "../lib/run/format_summary.ts";

Deno.test("describeProgress writes rows, megabytes, rate and ETA", async (t) => {
  const cases: {
    name: string;
    args: [string, number, number, number, number];
    expected: string;
  }[] = [
    {
      name: "a quarter read",
      args: ["animelist.csv", 1_234_567, 50e6, 200e6, 10],
      expected: "animelist.csv: 1,234,567 rows, 50.0/200.0 MB (25%), 5.0 MB/s, ETA 30 s",
    },
    {
      name: "no time elapsed yet",
      args: ["anime.csv", 0, 0, 12.3e6, 0],
      expected: "anime.csv: 0 rows, 0.0/12.3 MB (0%), 0.0 MB/s, ETA ?",
    },
    {
      name: "nothing read after some time",
      args: ["anime.csv", 0, 0, 12.3e6, 3],
      expected: "anime.csv: 0 rows, 0.0/12.3 MB (0%), 0.0 MB/s, ETA ?",
    },
    {
      name: "empty object",
      args: ["watching_status.csv", 5, 0, 0, 1],
      expected: "watching_status.csv: 5 rows, 0.0/0.0 MB (100%), 0.0 MB/s, ETA ?",
    },
    {
      name: "everything read",
      args: ["anime_with_synopsis.csv", 16_214, 2e6, 2e6, 4],
      expected: "anime_with_synopsis.csv: 16,214 rows, 2.0/2.0 MB (100%), 0.5 MB/s, ETA 0 s",
    },
    {
      name: "ETA rounds to whole seconds",
      args: ["animelist.csv", 8_000_000, 123.4e6, 1_900e6, 61.7],
      expected: "animelist.csv: 8,000,000 rows, 123.4/1900.0 MB (6%), 2.0 MB/s, ETA 888 s",
    },
  ];
  for (const { name, args, expected } of cases) {
    await t.step(name, () => {
      assert.equal(describeProgress(...args), expected);
    });
  }
});

/** A reporter with a settable clock (milliseconds) that records what it writes. */
function recorder(mode: ProgressMode, plainIntervalSeconds?: number) {
  const clock = { ms: 0 };
  const written: string[] = [];
  const progress = createProgress({
    mode,
    now: () => clock.ms,
    write: (text) => written.push(text),
    ...(plainIntervalSeconds === undefined ? {} : { plainIntervalSeconds }),
  });
  return { clock, written, progress };
}

const SIZE = 200e6;
const line = (rows: number, bytes: number, seconds: number) =>
  describeProgress("animelist.csv", rows, bytes, SIZE, seconds);

Deno.test("plain progress prints at most one line per interval, the first after one interval", async (t) => {
  await t.step("default interval of 5 s", () => {
    const { clock, written, progress } = recorder("plain");
    const file = progress.startFile("animelist.csv", SIZE);
    const updates: [number, number, number][] = [
      [0, 0, 0],
      [1_000, 100, 1e6],
      [4_999, 200, 2e6],
      [5_000, 300, 3e6],
      [5_001, 400, 4e6],
      [9_999, 500, 5e6],
      [12_000, 600, 6e6],
      [16_000, 700, 7e6],
    ];
    for (const [ms, rows, bytes] of updates) {
      clock.ms = ms;
      file.update(rows, bytes);
    }
    clock.ms = 20_000;
    file.finish("700 rows loaded");
    assert.deepEqual(written, [
      `${line(300, 3e6, 5)}\n`,
      `${line(600, 6e6, 12)}\n`,
      "animelist.csv: 700 rows loaded in 20.0 s\n",
    ]);
  });

  await t.step("custom interval of 1 s, clock started before the file", () => {
    const { clock, written, progress } = recorder("plain", 1);
    clock.ms = 50_000;
    const file = progress.startFile("animelist.csv", SIZE);
    for (const ms of [50_000, 50_500, 51_000, 51_999, 52_000]) {
      clock.ms = ms;
      file.update(ms, ms * 100);
    }
    assert.deepEqual(written, [
      `${line(51_000, 5.1e6, 1)}\n`,
      `${line(52_000, 5.2e6, 2)}\n`,
    ]);
  });

  await t.step("events are printed as lines", () => {
    const { written, progress } = recorder("plain");
    progress.event("load:published");
    assert.deepEqual(written, ["load:published\n"]);
  });
});

Deno.test("quiet progress prints nothing", () => {
  const { clock, written, progress } = recorder("quiet");
  const file = progress.startFile("anime.csv", 1e6);
  for (const ms of [0, 10_000, 20_000]) {
    clock.ms = ms;
    file.update(ms, ms);
  }
  file.finish("17,562 rows");
  progress.event("load:published");
  assert.deepEqual(written, []);
});

Deno.test("live progress rewrites one line with carriage returns", () => {
  const { clock, written, progress } = recorder("live");
  const file = progress.startFile("animelist.csv", SIZE);
  for (const [ms, rows] of [[0, 0], [50, 10], [100, 20], [199, 30], [200, 40]] as const) {
    clock.ms = ms;
    file.update(rows, rows * 1e6);
  }
  clock.ms = 1_500;
  file.finish("40 rows");
  progress.event("quality:passed");
  assert.deepEqual(written, [
    `\r\x1b[K${line(0, 0, 0)}`,
    `\r\x1b[K${line(20, 20e6, 0.1)}`,
    `\r\x1b[K${line(40, 40e6, 0.2)}`,
    "\r\x1b[Kanimelist.csv: 40 rows in 1.5 s\n",
    "quality:passed\n",
  ]);
});

function fileSummary(overrides: Partial<FileSummary> & Pick<FileSummary, "file">): FileSummary {
  return {
    key: `Anime_Recommendation_Dataset/${overrides.file}`,
    etag: '"0123456789abcdef"',
    sizeBytes: 1e6,
    seconds: 1,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsQuarantined: 0,
    rejectsByReason: {},
    ignoredColumns: [],
    lines: { total: 1, header: 1, loaded: 0, quarantined: 0, blank: 0 },
    ...overrides,
  };
}

const URL = "postgres://etl@localhost:54329/anime";

Deno.test("formatSummary reports files, quarantine reasons, lines, checks, errors and the URL", async (t) => {
  await t.step("a failed run with every section", () => {
    const summary: RunSummary = {
      runId: 42,
      status: "failed",
      seconds: 80,
      bytesRead: 400e6,
      files: [
        fileSummary({
          file: "watching_status.csv",
          rowsRead: 5,
          rowsLoaded: 5,
          seconds: 0.04,
          lines: { total: 6, header: 1, loaded: 5, quarantined: 0, blank: 0 },
        }),
        fileSummary({
          file: "animelist.csv",
          rowsRead: 8_000_000,
          rowsLoaded: 7_912_345,
          rowsQuarantined: 87_655,
          rejectsByReason: { unknown_watching_status: 87_000, unknown_anime_id: 655 },
          seconds: 75.25,
          lines: { total: 8_010_004, header: 1, loaded: 7_912_345, quarantined: 97_655, blank: 3 },
        }),
      ],
      checks: [
        {
          name: "fact_rows_reconcile",
          description: "rows read equal rows loaded plus rows quarantined",
          status: "passed",
          blocking: true,
          observed: "0 differences",
          expected: "0 differences",
        },
        {
          name: "ratings_in_range",
          description: "ratings are from 0 to 10",
          status: "failed",
          blocking: true,
          observed: "3 rows",
          expected: "0 rows",
        },
      ],
      error: {
        code: "QUALITY_FAILED",
        message: "Cannot publish run 42: check ratings_in_range failed",
      },
    };
    assert.equal(
      formatSummary(summary, URL),
      [
        "run 42: failed in 80.0 s",
        "read 400.0 MB from S3 at 5.0 MB/s",
        "file                               read       loaded  quarantined  seconds",
        "watching_status.csv                   5            5            0      0.0",
        "animelist.csv                 8,000,000    7,912,345       87,655     75.3",
        "  animelist.csv quarantined: unknown_watching_status 87,000, unknown_anime_id 655",
        "lines                             total   header       loaded  quarantined    blank",
        "watching_status.csv                   6        1            5            0        0",
        "animelist.csv                 8,010,004        1    7,912,345       97,655        3",
        "quality checks:",
        "  passed fact_rows_reconcile: 0 differences (expected 0 differences)",
        "  failed ratings_in_range: 3 rows (expected 0 rows)",
        "error QUALITY_FAILED: Cannot publish run 42: check ratings_in_range failed",
        "connect: psql postgres://etl@localhost:54329/anime",
      ].join("\n"),
    );
  });

  const cases: { name: string; summary: RunSummary; lines: string[]; absent: string[] }[] = [
    {
      name: "a skipped run has only the status and the URL",
      summary: { runId: 7, status: "skipped", files: [], checks: [], seconds: 0.5, bytesRead: 0 },
      lines: ["run 7: skipped in 0.5 s", `connect: psql ${URL}`],
      absent: ["read ", "quality checks:", "error "],
    },
    {
      name: "files without rejects have no quarantine line",
      summary: {
        runId: 8,
        status: "succeeded",
        files: [fileSummary({ file: "anime.csv", rowsRead: 17_562, rowsLoaded: 17_562 })],
        checks: [],
        seconds: 0,
        bytesRead: 1e6,
      },
      lines: [
        "run 8: succeeded in 0.0 s",
        "read 1.0 MB from S3 at 1000.0 MB/s",
        "anime.csv                        17,562       17,562            0      1.0",
        `connect: psql ${URL}`,
      ],
      absent: ["quarantined:", "error "],
    },
    {
      name: "a warned check",
      summary: {
        runId: 9,
        status: "succeeded",
        files: [],
        checks: [{
          name: "orphan_statuses",
          description: "",
          status: "warned",
          blocking: false,
          observed: "2 codes",
          expected: "0 codes",
        }],
        seconds: 1,
        bytesRead: 0,
      },
      lines: ["quality checks:", "  warned orphan_statuses: 2 codes (expected 0 codes)"],
      absent: ["error "],
    },
  ];
  for (const { name, summary, lines, absent } of cases) {
    await t.step(name, () => {
      const text = formatSummary(summary, URL).split("\n");
      for (const expected of lines) {
        assert.ok(
          text.includes(expected),
          `missing line ${JSON.stringify(expected)} in\n${text.join("\n")}`,
        );
      }
      for (const unwanted of absent) {
        assert.ok(!text.some((line) => line.startsWith(unwanted)), `unexpected ${unwanted}`);
      }
    });
  }
});

Deno.test("formatSummary widens the file column to fit a delta's key, and shows a reconciliation", () => {
  const delta = "animelist_updates/2026-12-01.csv.gz";
  const summary: RunSummary = {
    runId: 11,
    status: "succeeded",
    kind: "incremental",
    reason: `dimensions changed: anime.csv; 1 new delta after the snapshot`,
    files: [
      fileSummary({ file: "anime.csv", rowsRead: 17_562, rowsLoaded: 17_562 }),
      fileSummary({
        file: delta,
        rowsRead: 80_000,
        rowsLoaded: 79_990,
        rowsQuarantined: 10,
        lines: { total: 80_001, header: 1, loaded: 79_990, quarantined: 10, blank: 0 },
        delta: {
          sourceId: 2,
          inserted: 28_000,
          updated: 48_000,
          removed: 3_990,
          absentRemovals: 0,
          superseded: 0,
          displaced: 0,
          listRows: 8_024_010,
        },
      }),
    ],
    reconciled: {
      removedKeys: { anime: 1, statuses: 0 },
      removed: 12,
      admitted: 4,
      replaced: 1,
      listRows: 8_000_000,
    },
    checks: [],
    seconds: 2,
    bytesRead: 2e6,
  };
  const text = formatSummary(summary, URL).split("\n");
  const table = text.slice(text.indexOf(text.find((line) => line.startsWith("file "))!));
  assert.deepEqual(table.slice(0, 3), [
    "file                                        read       loaded  quarantined  seconds",
    "anime.csv                                 17,562       17,562            0      1.0",
    "animelist_updates/2026-12-01.csv.gz       80,000       79,990           10      1.0",
  ]);
  const lines = text.slice(text.indexOf(text.find((line) => line.startsWith("lines "))!));
  assert.deepEqual(lines.slice(0, 3), [
    "lines                                      total   header       loaded  quarantined    blank",
    "anime.csv                                      1        1            0            0        0",
    "animelist_updates/2026-12-01.csv.gz       80,001        1       79,990           10        0",
  ]);
  // Every row of a table ends in the same column, whatever the length of the file's name.
  for (const rows of [table.slice(0, 3), lines.slice(0, 3)]) {
    assert.equal(new Set(rows.map((row) => row.length)).size, 1, rows.join("\n"));
  }
  assert.ok(
    text.includes(
      "  anime_list: reconciled with the dimensions, not reloaded: 12 removed (quarantined), " +
        "3 admitted, 1 replaced by an earlier line; 8,000,000 rows",
    ),
    text.join("\n"),
  );
});
