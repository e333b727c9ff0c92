// Owns how long the scheduler expects a run to take, judged from the recent runs in etl.runs.
/**
 * @example
 * ```ts ignore
 * import { readExpectedRun } from "./read_expected_run.ts";
 * const expected = await readExpectedRun(sql);
 * console.log(`a run takes up to ${expected.seconds} s (${expected.basis})`);
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { formatWait } from "../calendar/format_wait.ts";

/** The expected duration of a run and what it is based on, in words. */
export interface ExpectedRun {
  /** Wall seconds. */
  seconds: number;
  /** E.g. `longest of the last 5 successful runs`. */
  basis: string;
}

/** Assumed when no run has succeeded yet: a full load of the 2020 dataset takes well under this. */
export const DEFAULT_EXPECTED_RUN: Readonly<ExpectedRun> = Object.freeze({
  seconds: 600,
  basis: "no successful run recorded yet, so 10 min is assumed",
});

/**
 * Reads the longest duration of the last 5 runs that succeeded and were not incremental (any day
 * can fall back to a full refresh; sql/schedule/expected_run.sql).
 *
 * @param sql A connection to a migrated database.
 * @returns The expectation; {@link DEFAULT_EXPECTED_RUN} when no run has succeeded.
 */
export async function readExpectedRun(sql: Sql): Promise<ExpectedRun> {
  const [row] = await sql.unsafe<{ seconds: number | null; runs: number }[]>(
    await sqlText("schedule/expected_run"),
  );
  if (!row || row.seconds === null || row.runs === 0) return { ...DEFAULT_EXPECTED_RUN };
  return {
    seconds: row.seconds,
    basis: `${formatWait(row.seconds * 1000)}, the longest of the last ${
      row.runs === 1 ? "successful full run" : `${row.runs} successful full runs`
    }`,
  };
}
