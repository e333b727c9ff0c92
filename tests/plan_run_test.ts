// Unit tests of the state rule (decidePlan) and of the delta keys' order and dates.
import assert from "node:assert/strict";
import { asOfDate, compareKeys } from "../lib/extract/delta_objects.ts";
import { decidePlan, type PlanInput } from "../lib/run/plan_run.ts";

const P = "p/";
const SNAPSHOT = ["watching_status.csv", "anime.csv", "anime_with_synopsis.csv", "animelist.csv"]
  .map((file) => ({ key: P + file, etag: `"${file}"` }));
const delta = (day: string, etag = `"${day}"`) => ({
  key: `${P}animelist_updates/${day}.csv`,
  etag,
});

function input(overrides: Partial<PlanInput<{ key: string; etag: string }>> = {}) {
  return {
    force: false,
    snapshot: SNAPSHOT,
    published: SNAPSHOT.map((object) => ({
      sourceFile: object.key.slice(P.length),
      sourceKey: object.key,
      etag: object.etag,
    })),
    deltas: [delta("2026-12-01"), delta("2026-12-02")],
    applied: [
      { sourceId: 1, objectKey: `${P}animelist.csv`, etag: `"animelist.csv"` },
      { sourceId: 2, objectKey: delta("2026-12-01").key, etag: `"2026-12-01"` },
      { sourceId: 3, objectKey: delta("2026-12-02").key, etag: `"2026-12-02"` },
    ],
    listRows: 100,
    ...overrides,
  };
}

Deno.test("decidePlan: skipped, incremental and every fallback, with its reason", () => {
  assert.deepEqual(decidePlan(input()), {
    kind: "skipped",
    reason: "sources unchanged since the last published run",
  });
  const fresh = decidePlan(input({
    deltas: [delta("2026-12-01"), delta("2026-12-02"), delta("2026-12-03"), delta("2026-12-04")],
  }));
  assert.deepEqual(fresh, {
    kind: "incremental",
    reason: `2 new deltas after "${delta("2026-12-02").key}"`,
    deltas: [delta("2026-12-03"), delta("2026-12-04")],
    firstSourceId: 4,
    listRows: 100,
  });
  const cases: [Partial<PlanInput<{ key: string; etag: string }>>, string][] = [
    [{ force: true }, "forced"],
    [{ published: [] }, "nothing published yet"],
    [
      { snapshot: SNAPSHOT.map((o, i) => i === 1 ? { ...o, etag: '"new"' } : o) },
      `"${P}anime.csv" changed (ETag "anime.csv" -> "new"); the published data does not keep ` +
      "its held-back rows (it predates dimension updates)",
    ],
    [
      {
        heldBack: true,
        snapshot: SNAPSHOT.map((o, i) => i === 1 || i === 3 ? { ...o, etag: '"new"' } : o),
      },
      `"${P}animelist.csv" changed (ETag "animelist.csv" -> "new")`,
    ],
    [
      {
        heldBack: true,
        snapshot: SNAPSHOT.map((o, i) => i === 1 ? { ...o, etag: '"new"' } : o),
        deltas: [delta("2026-12-02")],
      },
      `applied delta "${delta("2026-12-01").key}" disappeared`,
    ],
    [
      { snapshot: SNAPSHOT.map((o, i) => i === 3 ? { ...o, key: `${o.key}.gz` } : o) },
      `"${P}animelist.csv.gz" is new since the last published run`,
    ],
    [
      { applied: null },
      "the published data does not record its sources (it predates daily deltas)",
    ],
    [
      { listRows: null },
      "the published data does not record its sources (it predates daily deltas)",
    ],
    [{ aggregates: false }, "the published data has no aggregates (it predates anime_stats)"],
    [
      { deltas: [delta("2026-12-01"), delta("2026-12-02", '"edited"')] },
      `applied delta "${delta("2026-12-02").key}" changed (ETag "2026-12-02" -> "edited")`,
    ],
    [{ deltas: [delta("2026-12-02")] }, `applied delta "${delta("2026-12-01").key}" disappeared`],
    [
      {
        deltas: [
          delta("2026-11-30"),
          delta("2026-12-01"),
          delta("2026-12-02"),
          delta("2026-12-03"),
        ],
      },
      `new delta "${delta("2026-11-30").key}" sorts before the last applied "${
        delta("2026-12-02").key
      }"`,
    ],
  ];
  for (const [overrides, reason] of cases) {
    const plan = decidePlan(input(overrides));
    assert.equal(plan.kind, "full", reason);
    assert.equal(plan.reason, reason);
    assert.deepEqual(plan.kind === "full" && plan.deltas, input(overrides).deltas);
  }
});

Deno.test("decidePlan: changed dimension files alone are reconciled in place, with new deltas", () => {
  const changed = (...indexes: number[]) =>
    SNAPSHOT.map((o, i) => indexes.includes(i) ? { ...o, etag: '"new"' } : o);
  assert.deepEqual(decidePlan(input({ heldBack: true, snapshot: changed(0, 2) })), {
    kind: "incremental",
    reason: "dimensions changed: watching_status.csv, anime_with_synopsis.csv",
    deltas: [],
    firstSourceId: 4,
    listRows: 100,
    dimensions: ["watching_status.csv", "anime_with_synopsis.csv"],
  });
  const withDelta = decidePlan(input({
    heldBack: true,
    snapshot: changed(1),
    deltas: [delta("2026-12-01"), delta("2026-12-02"), delta("2026-12-03")],
  }));
  assert.deepEqual(withDelta, {
    kind: "incremental",
    reason: `dimensions changed: anime.csv; 1 new delta after "${delta("2026-12-02").key}"`,
    deltas: [delta("2026-12-03")],
    firstSourceId: 4,
    listRows: 100,
    dimensions: ["anime.csv"],
  });
});

Deno.test("decidePlan: the first delta after a snapshot-only ledger is incremental", () => {
  const plan = decidePlan(input({ applied: input().applied!.slice(0, 1) }));
  assert.equal(plan.kind, "incremental");
  assert.equal(plan.reason, "2 new deltas after the snapshot");
  assert.equal(plan.kind === "incremental" && plan.firstSourceId, 2);
});

Deno.test("compareKeys orders by UTF-8 bytes, as S3 lists keys", () => {
  // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 ...) in bytes, although its UTF-16
  // code unit is larger than the emoji's first surrogate.
  const keys = ["u/\u{1F600}.csv", "u/\uFF5E.csv", "u/a.csv", "u/a.csv.gz", "u/B.csv"];
  assert.deepEqual([...keys].sort(compareKeys), [
    "u/B.csv",
    "u/a.csv",
    "u/a.csv.gz",
    "u/\uFF5E.csv",
    "u/\u{1F600}.csv",
  ]);
});

Deno.test("asOfDate takes the last real date of the key below animelist_updates/, else null", () => {
  assert.equal(asOfDate("2026-12-01.csv.gz"), "2026-12-01");
  assert.equal(asOfDate("from-2026-11-30-to-2026-12-01.csv"), "2026-12-01");
  assert.equal(asOfDate("2026-12-01/part-1.csv"), "2026-12-01");
  assert.equal(asOfDate("2026-12-01-2026-02-30.csv"), "2026-12-01");
  assert.equal(asOfDate("2026-02-30.csv"), null);
  assert.equal(asOfDate("12026-12-01.csv"), null);
  assert.equal(asOfDate("2026/12/01.csv"), null);
  assert.equal(asOfDate("day 7.csv"), null);
});
