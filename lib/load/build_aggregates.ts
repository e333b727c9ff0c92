// Owns building the fact table's aggregates (anime_status_stats, anime_stats, genre_stats): from
// the counts a full refresh kept while loading (the last load step, after every delta), or from
// anime_list in one set-based pass (no run does: an incremental or dimension run changes them by
// the rows it moved; the tests mend tampered aggregates with it).
/**
 * @example At the end of a full refresh, on the staged tables
 * ```ts ignore
 * import { aggregatesFromCounts } from "./build_aggregates.ts";
 * const { seconds } = await aggregatesFromCounts(tx, "etl_stage");
 * console.log(`aggregates built in ${seconds} s`);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";

/** What one build did. */
export interface AggregatesBuilt {
  /** Wall-clock seconds of the build. */
  seconds: number;
}

/**
 * Replaces the aggregates of `schema` with a GROUP BY of its `anime_list`, as the fact table is
 * now (whatever way its rows got there). Runs inside the caller's transaction, so readers of
 * published tables see the old aggregates until it commits.
 *
 * @param tx A transaction: the schema goes on its search_path for the build only.
 * @param schema The schema holding anime_list and the (possibly stale) aggregate tables, e.g.
 *   `etl_stage` during a full refresh or `public` for a reconciliation.
 * @returns How long it took, in seconds.
 * @throws {PostgresError} When the schema lacks one of the tables.
 */
export function buildAggregates(tx: TransactionSql, schema: string): Promise<AggregatesBuilt> {
  return inSchema(tx, schema, ["star/build_aggregates", "star/build_genre_stats"]);
}

/**
 * Replaces the aggregates of `schema` with the counts the full refresh kept in pg_temp.list_counts
 * (lib/load/list_counts.ts): the rows its COPY wrote, less those taken off anime_list since. No
 * scan of the fact table; quality check aggregates_match_facts proves the result.
 *
 * @param tx The full refresh's transaction, after the list's load and replay.
 * @param schema The staged schema, `etl_stage`, whose new aggregate tables get their keys here.
 * @returns How long it took, in seconds.
 * @throws {PostgresError} When list_counts does not exist (the list was not loaded in this
 *   transaction), or a count came out negative (a check constraint).
 */
export function aggregatesFromCounts(tx: TransactionSql, schema: string): Promise<AggregatesBuilt> {
  return inSchema(tx, schema, [
    "star/aggregates_from_counts",
    "star/aggregate_keys",
    "star/build_genre_stats",
  ]);
}

// Runs sql/ files with `schema` alone on the search_path, restored afterwards.
async function inSchema(
  tx: TransactionSql,
  schema: string,
  files: readonly string[],
): Promise<AggregatesBuilt> {
  const started = performance.now();
  const [saved] = await tx<{ path: string }[]>`
    select current_setting('search_path') as path, set_config('search_path', quote_ident(${schema}), true)`;
  for (const file of files) await tx.unsafe(await sqlText(file));
  await tx`select set_config('search_path', ${saved!.path}, true)`;
  return { seconds: (performance.now() - started) / 1000 };
}
