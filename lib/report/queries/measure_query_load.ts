// Owns measuring how a named query holds up under concurrent clients: throughput and latency.
/**
 * @example Ten clients asking for the top genres
 * ```ts ignore
 * import { measureQueryLoad } from "./measure_query_load.ts";
 * const load = await measureQueryLoad(session.targets.db, "top_genres_by_rating", {
 *   parameters: [1000, 10], connections: 10, requests: 200,
 * });
 * console.log(load.per_second, load.p95_ms);
 * ```
 */
import type { DbSettings } from "../../config/settings.ts";
import { createClient } from "../../db/create_client.ts";
import { sqlText } from "../../db/sql_files.ts";

/** Options of {@link measureQueryLoad}. */
export interface QueryLoadOptions {
  /** Values for `$1`, `$2`, …; default none. */
  parameters?: readonly (string | number | boolean | null)[];
  /** Concurrent clients, each on its own connection; default 10. */
  connections?: number;
  /** Queries run at most, after one warm-up query per connection; default 200. */
  requests?: number;
  /** Seconds after which no new query starts, so a slow query cannot run for long; default 10. */
  maxSeconds?: number;
}

/** What the load produced. */
export interface QueryLoad {
  query: string;
  connections: number;
  requests: number;
  /** Queries completed (fewer than asked when `maxSeconds` ran out). */
  completed: number;
  /** Wall-clock seconds for the completed queries. */
  seconds: number;
  /** Queries completed per second. */
  per_second: number;
  /** Median, 95th percentile and worst latency of one query, in milliseconds. */
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

/**
 * Runs `sql/queries/<name>.sql` up to `requests` times (or for `maxSeconds`) from `connections`
 * concurrent clients, each on its own connection, and measures throughput and latency. Read-only queries only: it changes
 * nothing, but it does load the server while it runs.
 *
 * @param db The database to load.
 * @param name Query file under sql/queries without `.sql`.
 * @returns Throughput and latency percentiles.
 */
export async function measureQueryLoad(
  db: DbSettings,
  name: string,
  options: QueryLoadOptions = {},
): Promise<QueryLoad> {
  const connections = options.connections ?? 10;
  const requests = options.requests ?? 200;
  const maxMs = (options.maxSeconds ?? 10) * 1000;
  const parameters = [...(options.parameters ?? [])];
  const text = await sqlText(`queries/${name}`);
  const sql = createClient(db, { applicationName: "anime-load-test", max: connections });
  try {
    await Promise.all(Array.from({ length: connections }, () => sql.unsafe(text, parameters)));
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (next < requests && performance.now() - started < maxMs) {
        next++;
        const begun = performance.now();
        await sql.unsafe(text, parameters);
        latencies.push(performance.now() - begun);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (share: number) =>
      round(latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))] ?? 0);
    return {
      query: name,
      connections,
      requests,
      completed: latencies.length,
      seconds: round(seconds, 2),
      per_second: round(latencies.length / seconds),
      p50_ms: at(0.5),
      p95_ms: at(0.95),
      max_ms: round(latencies.at(-1) ?? 0),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function round(value: number, decimals = 1): number {
  return Math.round(value * 10 ** decimals) / 10 ** decimals;
}
