// Owns the verdict on one deadline from the run that decides it: met, late, missed or at risk.
/**
 * @example A run that finished 13 hours after the deadline is late, not met
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeDeadline } from "./judge_deadline.ts";
 * const verdict = judgeDeadline({
 *   window: {
 *     dueAt: new Date("2026-12-01T07:00:00Z"),
 *     windowStart: new Date("2026-12-01T06:00:00Z"),
 *     windowEnd: new Date("2026-12-02T06:00:00Z"),
 *   },
 *   run: {
 *     run_id: 1, status: "succeeded", trigger: "manual", error: null,
 *     started_at: new Date("2026-12-01T20:30:00Z"), finished_at: new Date("2026-12-01T20:31:16Z"),
 *   },
 *   now: new Date("2026-12-01T21:00:00Z"),
 * });
 * assert.equal(verdict.status, "late");
 * assert.equal(verdict.lateSeconds, 48_676);
 * ```
 */
import type { DeadlineWindow } from "./deadline_window.ts";
import { formatWait } from "../calendar/format_wait.ts";
import type { ExpectedRun } from "./read_expected_run.ts";

/** The four verdicts, as stored in etl.deadline_checks.status. */
export type DeadlineStatus = "met" | "late" | "missed" | "at_risk";

/** A row of sql/schedule/deadline_run.sql. */
export interface DeadlineRun {
  run_id: number;
  status: string;
  trigger: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

/** Options of {@link judgeDeadline}. */
export interface JudgeDeadlineOptions {
  window: DeadlineWindow;
  /** The run that decides it (the first to finish successfully, else the latest), if any. */
  run?: DeadlineRun | undefined;
  /** The instant of the check; before `window.dueAt` it is an early (at-risk) check. */
  now: Date;
  /** How long a run takes, for the words of an at-risk verdict. */
  expected?: ExpectedRun;
}

/** What the check found. */
export interface DeadlineVerdict {
  status: DeadlineStatus;
  /** The run named in the verdict. */
  runId?: number;
  /** When that run finished successfully (met and late only). */
  runFinishedAt?: Date;
  /** Seconds after the deadline the run finished (late only). */
  lateSeconds?: number;
  /** In words, e.g. `run 4 succeeded at 2026-12-01T06:03:10Z (trigger schedule, ...)`. */
  detail: string;
}

/**
 * Judges a deadline. `met`: a run of the window finished successfully, or was skipped because the
 * sources were unchanged, at or before the deadline. `late`: the first such run finished after it
 * (how late is in `lateSeconds` and the detail). Otherwise `missed`, or `at_risk` when the check is
 * made before the deadline (the caller checks early only once the deadline minus the expected run
 * time has come).
 *
 * @param options The window, its deciding run and the instant of the check.
 * @returns The verdict.
 */
export function judgeDeadline(options: JudgeDeadlineOptions): DeadlineVerdict {
  const { window, run, now } = options;
  const since = iso(window.windowStart);
  const succeeded = run !== undefined && run.finished_at !== null &&
    (run.status === "succeeded" || run.status === "skipped");
  if (succeeded) {
    const finishedAt = run.finished_at!;
    const about = `(trigger ${run.trigger}, started ${iso(run.started_at)})`;
    const lateMs = finishedAt.getTime() - window.dueAt.getTime();
    if (lateMs <= 0) {
      return {
        status: "met",
        runId: run.run_id,
        runFinishedAt: finishedAt,
        detail: `run ${run.run_id} ${run.status} at ${iso(finishedAt)} ${about}`,
      };
    }
    return {
      status: "late",
      runId: run.run_id,
      runFinishedAt: finishedAt,
      lateSeconds: Math.round(lateMs / 1000),
      detail: `run ${run.run_id} ${run.status} at ${iso(finishedAt)}, ${
        formatWait(lateMs)
      } after the deadline ${about}`,
    };
  }
  const early = now.getTime() < window.dueAt.getTime();
  const found = run === undefined
    ? `no run started since ${since}`
    : `no run succeeded since ${since}; run ${run.run_id} (trigger ${run.trigger}) ` +
      (run.status === "running"
        ? `is still running (started ${iso(run.started_at)})`
        : `failed: ${run.error ?? "no error recorded"}`);
  if (!early) {
    return { status: "missed", ...(run ? { runId: run.run_id } : {}), detail: found };
  }
  const expected = options.expected
    ? `; a run takes ${options.expected.basis}, so one had to start by ${
      iso(new Date(window.dueAt.getTime() - options.expected.seconds * 1000))
    } to finish in time`
    : "";
  return {
    status: "at_risk",
    ...(run ? { runId: run.run_id } : {}),
    detail: `${
      formatWait(window.dueAt.getTime() - now.getTime())
    } before the deadline, ${found}${expected}`,
  };
}

function iso(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, "Z");
}
