// Owns one deadline check: did a run succeed (or skip as unchanged) in the window? Records the answer.
/**
 * @example Check today's deadline and exit non-zero when it was missed
 * ```ts ignore
 * import { checkDeadline } from "./check_deadline.ts";
 * const result = await checkDeadline(sql, window);
 * if (result.status === "missed") Deno.exit(1);
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../load/sql_files.ts";
import type { DeadlineWindow } from "./deadline_window.ts";

/** A recorded deadline check (a row of etl.deadline_checks). */
export interface DeadlineCheck {
  checkId: number;
  status: "met" | "missed";
  dueAt: Date;
  windowStart: Date;
  /** The run that met the deadline; when missed, the latest run in the window, if any. */
  runId?: number;
  /** What the check found, in words. */
  detail: string;
}

interface DeadlineRun {
  run_id: number;
  status: string;
  trigger: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

/**
 * Evaluates a deadline and records it in etl.deadline_checks. The deadline is met when a run that
 * started at or after `window.windowStart` has succeeded or was skipped (its sources were
 * unchanged, so the published data is current); otherwise it is missed, and the row with status
 * `missed` is the marker a monitor alerts on.
 *
 * @param sql A connection to a migrated database.
 * @param window The deadline due and its window (see `deadlineWindow`).
 * @returns The recorded check.
 */
export async function checkDeadline(sql: Sql, window: DeadlineWindow): Promise<DeadlineCheck> {
  const [run] = await sql.unsafe<DeadlineRun[]>(await sqlText("schedule/deadline_run"), [
    window.windowStart,
  ]);
  const met = run !== undefined && (run.status === "succeeded" || run.status === "skipped");
  const since = iso(window.windowStart);
  let detail: string;
  if (met) {
    detail =
      `run ${run.run_id} ${run.status} at ${iso(run.finished_at!)} (trigger ${run.trigger}, ` +
      `started ${iso(run.started_at)})`;
  } else if (run === undefined) {
    detail = `no run started since ${since}`;
  } else if (run.status === "running") {
    detail = `no run succeeded since ${since}; run ${run.run_id} (trigger ${run.trigger}) ` +
      `is still running`;
  } else {
    detail = `no run succeeded since ${since}; run ${run.run_id} (trigger ${run.trigger}) failed: ${
      run.error ?? "no error recorded"
    }`;
  }
  const status = met ? "met" : "missed";
  const [row] = await sql.unsafe<{ check_id: number }[]>(
    await sqlText("schedule/record_deadline_check"),
    [window.dueAt, window.windowStart, status, run?.run_id ?? null, detail],
  );
  return {
    checkId: row!.check_id,
    status,
    dueAt: window.dueAt,
    windowStart: window.windowStart,
    ...(run ? { runId: run.run_id } : {}),
    detail,
  };
}

function iso(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, "Z");
}
