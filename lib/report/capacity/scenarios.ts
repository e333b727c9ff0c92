// Owns the write-up's capacity projections: the data grown N times, the latest start for a deadline, many analysts.
/**
 * @example Project a measured load to 100 times the data
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectGrowth } from "./scenarios.ts";
 * const basis = { what: "the last run", rows: 200_000, bytes: 20e6, seconds: 5 };
 * const tables = [
 *   { table: "public.anime_list", rows: 200_000, bytes: 10e6, size: "10.0 MB" },
 *   { table: "public.anime_master", rows: 17_562, bytes: 2e6, size: "2.0 MB" },
 * ];
 * const growth = projectGrowth(basis, tables, { scale: 100 });
 * assert.deepEqual(growth, { scale: 100, rows: 20e6, sourceBytes: 2e9, seconds: 500, diskBytes: 1.002e9 });
 * ```
 *
 * @module
 */
import type { BenchReport } from "../../bench/run_bench.ts";
import type { TableSize } from "../catalog/read_table_sizes.ts";
import type { QueryLoad } from "../queries/measure_query_load.ts";

/** A measured load that projections scale from. */
export interface LoadBasis {
  /** Where the figures come from, for sentences: `the benchmark` or `the last run`. */
  what: string;
  /** animelist.csv rows. */
  rows: number;
  /** Source bytes read from S3. */
  bytes: number;
  /** Wall seconds of the load. */
  seconds: number;
}

/**
 * Picks what to project from: the benchmark when one has been run (the larger, controlled load),
 * else the last published run.
 *
 * @param bench The latest `deno task bench` report, if any.
 * @param lastRun The last published run's list rows, source bytes and seconds.
 * @returns The basis, saying which it is.
 */
export function chooseBasis(
  bench: BenchReport | undefined,
  lastRun: Omit<LoadBasis, "what">,
): LoadBasis {
  if (bench === undefined) return { what: "the last run", ...lastRun };
  return {
    what: "the benchmark",
    rows: bench.etl.rowsLoaded,
    bytes: bench.totalSourceBytes,
    seconds: bench.etl.seconds,
  };
}

/** Options of {@link projectGrowth}. */
export interface GrowthOptions {
  /** How many times the data; default 100. */
  scale?: number;
  /** The table that grows with the list rows; default `public.anime_list`. */
  factTable?: string;
}

/** The load and the published tables at `scale` times the data. */
export interface GrowthProjection {
  scale: number;
  /** animelist.csv rows. */
  rows: number;
  /** Source bytes. */
  sourceBytes: number;
  /** Load time in seconds, assuming it grows linearly with the data. */
  seconds: number;
  /** Disk the published tables need, in bytes: the fact table scaled by its bytes per row. */
  diskBytes: number;
}

/**
 * Projects a load to `scale` times the data: rows, source bytes and time grow linearly; on disk the
 * fact table grows at its measured bytes per row while the anime dimensions keep their size.
 *
 * @param basis The measured load, from {@link chooseBasis}.
 * @param tables The published tables' sizes (`readTableSizes`).
 * @returns The projection.
 * @throws {Error} When the fact table is missing from `tables` or empty.
 */
export function projectGrowth(
  basis: LoadBasis,
  tables: readonly TableSize[],
  options: GrowthOptions = {},
): GrowthProjection {
  const scale = options.scale ?? 100;
  const factName = options.factTable ?? "public.anime_list";
  const fact = tables.find((table) => table.table === factName);
  if (fact === undefined || fact.rows === 0) {
    throw new Error(`Cannot project the data's growth: table "${factName}" is missing or empty`);
  }
  const otherBytes = tables.reduce((sum, table) => sum + table.bytes, 0) - fact.bytes;
  return {
    scale,
    rows: basis.rows * scale,
    sourceBytes: basis.bytes * scale,
    seconds: basis.seconds * scale,
    diskBytes: fact.bytes / fact.rows * basis.rows * scale + otherBytes,
  };
}

/**
 * The latest time a job may start and still finish `runs` loads of `seconds` each by the deadline
 * (room for a failed attempt and its retries), on the deadline's clock.
 *
 * @example Three 20-minute loads before 07:00
 * ```ts
 * import assert from "node:assert/strict";
 * import { latestStart } from "./scenarios.ts";
 * assert.equal(latestStart(1200, { runs: 3, deadline: "07:00" }), "06:00");
 * assert.equal(latestStart(8 * 3600, { runs: 1, deadline: "07:00" }), "23:00 the day before");
 * assert.equal(latestStart(9 * 3600, { runs: 3, deadline: "07:00" }), undefined);
 * ```
 *
 * @param seconds One load's duration.
 * @param options `runs` (default 3) loads that must fit, `deadline` as `HH:MM` (default `07:00`).
 * @returns `HH:MM` (with `the day before` when it falls before midnight), or undefined when the
 *   loads take a day or more: then the load has to become incremental.
 * @throws {RangeError} When `deadline` is not `HH:MM`.
 */
export function latestStart(
  seconds: number,
  options: { runs?: number; deadline?: string } = {},
): string | undefined {
  const deadline = options.deadline ?? "07:00";
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(deadline);
  if (!match) throw new RangeError(`Invalid deadline "${deadline}": expected HH:MM, e.g. 07:00`);
  const needed = seconds * (options.runs ?? 3);
  if (needed >= 86_400) return undefined;
  const deadlineMinutes = Number(match[1]) * 60 + Number(match[2]);
  const startMinutes = deadlineMinutes - Math.ceil(needed / 60);
  const minutes = (startMinutes + 1440) % 1440;
  const time = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${
    String(minutes % 60).padStart(2, "0")
  }`;
  return startMinutes < 0 ? `${time} the day before` : time;
}

/** Options of {@link concurrencyNeed}. */
export interface ConcurrencyOptions {
  /** People querying at once; default 100. */
  users?: number;
  /** Seconds each waits between queries; default 10. */
  secondsBetweenQueries?: number;
}

/** What many analysts need against what the server sustained. */
export interface ConcurrencyNeed {
  users: number;
  secondsBetweenQueries: number;
  /** Queries per second the users need. */
  neededPerSecond: number;
  /** The measured query with the lowest throughput. */
  slowest: QueryLoad;
  /** Its throughput over the need: above 1 the server keeps up. */
  headroom: number;
}

/**
 * Compares the query rate `users` analysts need with the slowest measured query's throughput.
 *
 * @param loads Measurements from `measureQueryLoad`, at least one.
 * @returns The need, the slowest query and the headroom.
 * @throws {RangeError} When `loads` is empty.
 */
export function concurrencyNeed(
  loads: readonly QueryLoad[],
  options: ConcurrencyOptions = {},
): ConcurrencyNeed {
  if (loads.length === 0) {
    throw new RangeError("Cannot judge concurrency: no query load was measured");
  }
  const users = options.users ?? 100;
  const secondsBetweenQueries = options.secondsBetweenQueries ?? 10;
  const neededPerSecond = users / secondsBetweenQueries;
  const slowest = loads.reduce((a, b) => (a.per_second < b.per_second ? a : b));
  return {
    users,
    secondsBetweenQueries,
    neededPerSecond,
    slowest,
    headroom: slowest.per_second / neededPerSecond,
  };
}

/**
 * How many concurrent clients a load test may open: a quarter of the server's connections, from 2
 * to 20, so that it leaves room for everyone else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTestClients } from "./scenarios.ts";
 * assert.equal(loadTestClients(100), 20);
 * assert.equal(loadTestClients(40), 10);
 * assert.equal(loadTestClients(5), 2);
 * ```
 *
 * @param maxConnections The server's `max_connections`.
 * @returns The number of clients.
 */
export function loadTestClients(maxConnections: number): number {
  return Math.max(2, Math.min(20, Math.floor(maxConnections / 4)));
}
