// Owns one deadline check: judge the deadline from etl.runs and record the verdict, once per deadline.
/**
 * @example Check today's deadline and exit non-zero unless it was met
 * ```ts ignore
 * import { checkDeadline } from "./check_deadline.ts";
 * const result = await checkDeadline(sql, window);
 * if (result.status !== "met") Deno.exit(1);
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import type { DeadlineWindow } from "./deadline_window.ts";
import { type DeadlineRun, type DeadlineVerdict, judgeDeadline } from "./judge_deadline.ts";
import type { ExpectedRun } from "./read_expected_run.ts";

/** A recorded deadline check (the row of etl.deadline_checks for `dueAt`). */
export interface DeadlineCheck extends DeadlineVerdict {
  checkId: number;
  dueAt: Date;
  windowStart: Date;
}

/** Options of {@link checkDeadline}. */
export interface CheckDeadlineOptions {
  /** The instant of the check; default now. Before `window.dueAt` a miss is `at_risk`. */
  now?: Date;
  /** The expected run time, named in an at-risk verdict. */
  expected?: ExpectedRun;
}

/**
 * Judges a deadline (see `judgeDeadline`) and records it in etl.deadline_checks, in one transaction
 * that holds a lock serialising deadline checks: two schedulers (or a scheduler and a monitor)
 * checking the same deadline leave one row, holding the verdict of the later check. A `missed`,
 * `late` or `at_risk` row is the marker a monitor alerts on.
 *
 * @param sql A connection to a migrated database.
 * @param window The deadline and its window (see `deadlineWindow`).
 * @param options The instant of the check and the expected run time.
 * @returns The recorded check.
 */
export async function checkDeadline(
  sql: Sql,
  window: DeadlineWindow,
  options: CheckDeadlineOptions = {},
): Promise<DeadlineCheck> {
  return await sql.begin(async (tx) => {
    await tx.unsafe(await sqlText("schedule/lock_deadline_checks"));
    const [run] = await tx.unsafe<DeadlineRun[]>(await sqlText("schedule/deadline_run"), [
      window.windowStart,
      window.windowEnd,
    ]);
    const verdict = judgeDeadline({
      window,
      run,
      now: options.now ?? new Date(),
      ...(options.expected ? { expected: options.expected } : {}),
    });
    const [row] = await tx.unsafe<{ check_id: number }[]>(
      await sqlText("schedule/record_deadline_check"),
      [
        window.dueAt,
        window.windowStart,
        verdict.status,
        verdict.runId ?? null,
        verdict.detail,
      ],
    );
    return {
      checkId: row!.check_id,
      dueAt: window.dueAt,
      windowStart: window.windowStart,
      ...verdict,
    };
  });
}
