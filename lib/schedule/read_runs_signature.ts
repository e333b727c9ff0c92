// Owns noticing that a run ended or a deadline was checked, by any process.
/**
 * @example
 * ```ts ignore
 * import { readRunsSignature } from "./read_runs_signature.ts";
 * const before = await readRunsSignature(sql);
 * // ... deno task etl elsewhere ...
 * if ((await readRunsSignature(sql)) !== before) console.log("refresh the dashboard");
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../db/sql_files.ts";

/**
 * Reads a value that changes whenever a run ends or a deadline check is recorded
 * (sql/schedule/runs_signature.sql).
 *
 * @param sql A connection to a migrated database.
 * @returns An opaque text to compare with an earlier one.
 */
export async function readRunsSignature(sql: Sql): Promise<string> {
  const [row] = await sql.unsafe<{ signature: string }[]>(await sqlText("schedule/runs_signature"));
  return row?.signature ?? "";
}
