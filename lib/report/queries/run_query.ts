// Owns running the named analyst and report queries of sql/queries with their $n parameters.
/**
 * @example Ask which anime users drop most
 * ```ts ignore
 * import { runQuery } from "./run_query.ts";
 * const rows = await runQuery(sql, "anime_by_watching_status", [4, 10]);
 * console.table(rows);
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../../db/sql_files.ts";

/** A result row: column name → value as postgres.js returns it. */
export type QueryRow = Record<string, unknown>;

/**
 * Runs `sql/queries/<name>.sql`.
 *
 * @param sql A connection to the pipeline's database.
 * @param name File name under sql/queries without `.sql`, e.g. `highest_rated_anime`.
 * @param parameters Values for `$1`, `$2`, …, in order.
 * @returns The rows.
 * @throws {Deno.errors.NotFound} When the file does not exist; PostgreSQL errors as postgres.js
 *   raises them (their message names the problem, the query names the file).
 */
export async function runQuery(
  sql: Sql,
  name: string,
  parameters: readonly (string | number | boolean | null)[] = [],
): Promise<QueryRow[]> {
  const rows = await sql.unsafe<QueryRow[]>(await sqlText(`queries/${name}`), [...parameters]);
  return [...rows];
}
