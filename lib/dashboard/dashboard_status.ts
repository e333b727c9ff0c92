// Owns the dashboard's one-line verdict: up to date, behind schedule, last run failed, deadline
// late, missed or at risk, or no data.
/**
 * @example Before the first publish
 * ```ts
 * import assert from "node:assert/strict";
 * import { dashboardStatus } from "./dashboard_status.ts";
 * const status = dashboardStatus({
 *   freshness: {
 *     generated_at: new Date("2026-05-02T08:00:00Z"),
 *     published_run_id: null, published_at: null, published_age_seconds: null,
 *     confirmed_run_id: null, confirmed_status: null, confirmed_started_at: null,
 *     confirmed_at: null, confirmed_age_seconds: null, last_run_id: null, last_status: null,
 *     last_trigger: null, last_started_at: null, last_finished_at: null, last_error: null,
 *   },
 *   deadlineChecks: [],
 * });
 * assert.equal(status.state, "no-data");
 * ```
 */
import type { CronSchedule } from "../calendar/cron_schedule.ts";
import { formatInstant } from "../calendar/format_instant.ts";
import { formatWait } from "../calendar/format_wait.ts";
import type { DashboardData } from "./read_dashboard_data.ts";
import { formatAge, formatTime, isolated } from "./_html.ts";

/**
 * The verdict: `current` (green); `behind`, `late` or `at_risk` (amber); `failed`, `missed` or
 * `no-data` (red). `late`, `missed` and `at_risk` are the words of etl.deadline_checks.status.
 */
export interface DashboardStatus {
  state: "current" | "behind" | "late" | "at_risk" | "failed" | "missed" | "no-data";
  headline: string;
  detail: string;
}

/**
 * Judges the data's freshness. In order: no published run is `no-data`; a `missed` or `at_risk`
 * latest deadline check with no successful (or skipped) run after it is `missed` or `at_risk`; a
 * failed last run is `failed` (saying that the published data is intact, and from when); a `late`
 * deadline (or a `missed` one that a run of its window has since made late) is `late` until a later
 * run confirms the data; with a schedule, no successful run since the last trigger is `behind`;
 * otherwise `current`.
 *
 * @param data Freshness and deadline checks from `readDashboardData`.
 * @param cron The ETL's schedule, when known.
 * @returns The verdict.
 */
export function dashboardStatus(
  data: Pick<DashboardData, "freshness" | "deadlineChecks">,
  cron?: CronSchedule,
): DashboardStatus {
  const f = data.freshness;
  const zone = cron?.timeZone ?? "UTC";
  const lastRun = f.last_run_id === null
    ? ""
    : `; the last run, ${f.last_run_id} (${f.last_trigger}), ${f.last_status}` +
      (f.last_status === "failed" && f.last_error ? `: ${isolated(f.last_error)}` : "");
  if (f.published_run_id === null) {
    return {
      state: "no-data",
      headline: "No data published yet",
      detail: `run deno task etl to load the data${lastRun}`,
    };
  }
  const check = data.deadlineChecks[0];
  const checkedAt = check?.checked_at instanceof Date ? check.checked_at : undefined;
  const dueAt = check?.deadline_at instanceof Date ? check.deadline_at : undefined;
  const windowStart = check?.window_start instanceof Date ? check.window_start : undefined;
  const confirmedAfter = (instant: Date | undefined) =>
    f.confirmed_at !== null && instant !== undefined &&
    f.confirmed_at.getTime() > instant.getTime();
  // A run of the latest deadline's window that finished after it: recorded as late, or found
  // missed and confirmed since by a run that started in the window.
  const late = !check || !dueAt
    ? undefined
    : check.status === "late" && check.run_finished_at instanceof Date
    ? { finishedAt: check.run_finished_at, words: isolated(String(check.detail)) }
    : check.status === "missed" && f.confirmed_at && f.confirmed_started_at && windowStart &&
        f.confirmed_started_at.getTime() >= windowStart.getTime() &&
        f.confirmed_at.getTime() > dueAt.getTime()
    ? {
      finishedAt: f.confirmed_at,
      words: `run ${f.confirmed_run_id} ${f.confirmed_status} at ${
        formatInstant(f.confirmed_at, zone)
      }, ${formatWait(f.confirmed_at.getTime() - dueAt.getTime())} after the deadline`,
    }
    : undefined;
  if (check && checkedAt && dueAt && !late) {
    const words = `deadline ${formatInstant(dueAt, zone)}: ${isolated(String(check.detail))}`;
    if (check.status === "missed" && !confirmedAfter(checkedAt)) {
      return { state: "missed", headline: "Deadline missed", detail: words };
    }
    if (check.status === "at_risk" && !confirmedAfter(checkedAt)) {
      return { state: "at_risk", headline: "Deadline at risk", detail: words };
    }
  }
  if (f.last_status === "failed") {
    return {
      state: "failed",
      headline: `Last run failed: data from ${formatTime(f.published_at, zone)}`,
      detail:
        `run ${f.last_run_id} (${f.last_trigger}) failed ${
          formatTime(f.last_finished_at ?? f.last_started_at, zone)
        }` + (f.last_error ? `: ${isolated(f.last_error)}` : "") +
        `. The published data is intact: run ${f.published_run_id}, published ${
          formatAge(f.published_age_seconds)
        }, is what readers see`,
    };
  }
  if (late && dueAt && !confirmedAfter(late.finishedAt)) {
    return {
      state: "late",
      headline: "Deadline late",
      detail: `deadline ${formatInstant(dueAt, zone)}: ${late.words}`,
    };
  }
  const trigger = cron?.previous(f.generated_at);
  if (
    trigger && f.confirmed_started_at &&
    f.confirmed_started_at.getTime() < trigger.getTime()
  ) {
    return {
      state: "behind",
      headline: "Behind schedule",
      detail: `no run has succeeded since the trigger at ${formatInstant(trigger, zone)}${lastRun}`,
    };
  }
  return {
    state: "current",
    headline: "Up to date",
    detail: `published by run ${f.published_run_id} at ${formatTime(f.published_at, zone)} (${
      formatAge(f.published_age_seconds)
    }); sources last confirmed by run ${f.confirmed_run_id} (${f.confirmed_status}) at ${
      formatTime(f.confirmed_at, zone)
    } (${formatAge(f.confirmed_age_seconds)})`,
  };
}
