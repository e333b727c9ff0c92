// Owns building the fact table's aggregates (anime_status_stats, anime_stats, genre_stats) from
// anime_list in one set-based pass: the last load step of a full refresh, after every delta.
/**
 * @example At the end of a full refresh, on the staged tables
 * ```ts ignore
 * import { buildAggregates } from "./build_aggregates.ts";
 * const { seconds } = await buildAggregates(tx, "etl_stage");
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
export async function buildAggregates(
  tx: TransactionSql,
  schema: string,
): Promise<AggregatesBuilt> {
  const started = performance.now();
  const [saved] = await tx<{ path: string }[]>`
    select current_setting('search_path') as path, set_config('search_path', quote_ident(${schema}), true)`;
  await tx.unsafe(await sqlText("star/build_aggregates"));
  await tx.unsafe(await sqlText("star/build_genre_stats"));
  await tx`select set_config('search_path', ${saved!.path}, true)`;
  return { seconds: (performance.now() - started) / 1000 };
}
