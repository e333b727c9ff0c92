// Owns reading what the scheduler's catch-up rule needs from etl.runs.
/**
 * @example
 * ```ts ignore
 * import { readRunHistory } from "./read_run_history.ts";
 * const { runs, lastStartedAt } = await readRunHistory(sql);
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../db/sql_files.ts";

/**
 * Reads the number of runs and the start of the last run that ran to an end
 * (sql/schedule/run_history.sql).
 *
 * @param sql A connection to a migrated database.
 * @returns `lastStartedAt` is undefined when no run ran to an end.
 */
export async function readRunHistory(
  sql: Sql,
): Promise<{ runs: number; lastStartedAt?: Date | undefined }> {
  const [row] = await sql.unsafe<{ last_started_at: Date | null; runs: number }[]>(
    await sqlText("schedule/run_history"),
  );
  return { runs: row?.runs ?? 0, lastStartedAt: row?.last_started_at ?? undefined };
}
