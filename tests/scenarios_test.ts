// Tests for the write-up's capacity projections (lib/report/capacity/scenarios.ts), figure by figure.
import assert from "node:assert/strict";
import type { BenchReport } from "../lib/bench/run_bench.ts";
import {
  chooseBasis,
  concurrencyNeed,
  latestStart,
  loadTestClients,
  projectGrowth,
} from "../lib/report/capacity/scenarios.ts";
import type { TableSize } from "../lib/report/catalog/read_table_sizes.ts";
import type { QueryLoad } from "../lib/report/queries/measure_query_load.ts";

const LAST_RUN = { rows: 200_000, bytes: 19_700_000, seconds: 4.4 };

const TABLES: TableSize[] = [
  { table: "public.anime_genre", rows: 50_000, bytes: 3_000_000, size: "3.0 MB" },
  { table: "public.anime_list", rows: 199_200, bytes: 9_960_000, size: "10.0 MB" },
  { table: "public.anime_master", rows: 17_562, bytes: 2_000_000, size: "2.0 MB" },
];

function load(query: string, perSecond: number): QueryLoad {
  return {
    query,
    connections: 10,
    requests: 200,
    completed: 200,
    seconds: 200 / perSecond,
    per_second: perSecond,
    p50_ms: 10,
    p95_ms: 20,
    max_ms: 30,
  };
}

Deno.test("chooseBasis prefers the benchmark and falls back to the last run", () => {
  assert.deepEqual(chooseBasis(undefined, LAST_RUN), { what: "the last run", ...LAST_RUN });
  const bench = {
    totalSourceBytes: 237_100_000,
    etl: { seconds: 22.1, peakRssBytes: 174e6, runSeconds: 21.6, rowsLoaded: 7_968_000 },
  } as BenchReport;
  assert.deepEqual(chooseBasis(bench, LAST_RUN), {
    what: "the benchmark",
    rows: 7_968_000,
    bytes: 237_100_000,
    seconds: 22.1,
  });
});

Deno.test("projectGrowth scales rows, bytes and time, and the fact table by its bytes per row", async (t) => {
  const basis = chooseBasis(undefined, LAST_RUN);
  await t.step("100 times the data (the default)", () => {
    const growth = projectGrowth(basis, TABLES);
    assert.equal(growth.scale, 100);
    assert.equal(growth.rows, 20_000_000);
    assert.equal(growth.sourceBytes, 1_970_000_000);
    assert.ok(Math.abs(growth.seconds - 440) < 1e-9);
    // 50 bytes per fact row × 20M rows, plus the dimensions as they are.
    assert.ok(Math.abs(growth.diskBytes - (1e9 + 5_000_000)) < 1);
  });
  await t.step("another scale and fact table", () => {
    const growth = projectGrowth(basis, TABLES, { scale: 2, factTable: "public.anime_genre" });
    assert.ok(Math.abs(growth.diskBytes - (60 * 400_000 + 11_960_000)) < 1);
  });
  await t.step("a missing or empty fact table is refused, naming it", () => {
    assert.throws(() => projectGrowth(basis, TABLES.slice(0, 1)), {
      message: 'Cannot project the data\'s growth: table "public.anime_list" is missing or empty',
    });
    const empty = TABLES.map((table) => ({ ...table, rows: 0 }));
    assert.throws(() => projectGrowth(basis, empty), /is missing or empty/);
  });
});

Deno.test("latestStart leaves room for the runs before the deadline, to the minute", async (t) => {
  const cases: [number, { runs?: number; deadline?: string }, string | undefined][] = [
    [4.4, {}, "06:59"],
    [60, { runs: 3 }, "06:57"],
    [61, { runs: 3 }, "06:56"],
    [1200, { runs: 3, deadline: "07:00" }, "06:00"],
    [440, { runs: 3, deadline: "06:30" }, "06:08"],
    [8 * 3600, { runs: 1 }, "23:00 the day before"],
    [8 * 3600, { runs: 3 }, undefined],
    [86_400, { runs: 1 }, undefined],
  ];
  for (const [seconds, options, expected] of cases) {
    await t.step(
      `${seconds} s × ${options.runs ?? 3} before ${options.deadline ?? "07:00"}`,
      () => {
        assert.equal(latestStart(seconds, options), expected);
      },
    );
  }
  await t.step("a deadline that is not HH:MM", () => {
    assert.throws(() => latestStart(60, { deadline: "7am" }), {
      name: "RangeError",
      message: 'Invalid deadline "7am": expected HH:MM, e.g. 07:00',
    });
  });
});

Deno.test("concurrencyNeed compares the users' query rate with the slowest query", () => {
  const need = concurrencyNeed([
    load("highest_rated_anime", 400),
    load("top_genres_by_rating", 25),
  ]);
  assert.equal(need.users, 100);
  assert.equal(need.secondsBetweenQueries, 10);
  assert.equal(need.neededPerSecond, 10);
  assert.equal(need.slowest.query, "top_genres_by_rating");
  assert.equal(need.headroom, 2.5);
  const busy = concurrencyNeed([load("q", 25)], { users: 500, secondsBetweenQueries: 5 });
  assert.equal(busy.neededPerSecond, 100);
  assert.equal(busy.headroom, 0.25);
  assert.throws(() => concurrencyNeed([]), {
    name: "RangeError",
    message: "Cannot judge concurrency: no query load was measured",
  });
});

Deno.test("loadTestClients takes a quarter of the connections, from 2 to 20", () => {
  assert.deepEqual([0, 5, 8, 40, 80, 100, 1000].map(loadTestClients), [2, 2, 2, 10, 20, 20, 20]);
});
