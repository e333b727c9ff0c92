// Owns the dashboard's one-line verdict: up to date, behind schedule, last run failed, deadline missed,
// or no data.
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
import type { CronSchedule } from "../schedule/cron_schedule.ts";
import { formatInstant } from "../schedule/format_instant.ts";
import type { DashboardData } from "./read_dashboard_data.ts";
import { formatAge, formatTime, isolated } from "./_html.ts";

/** The verdict: `current` (green), `behind` (amber), `failed`, `missed` or `no-data` (red). */
export interface DashboardStatus {
  state: "current" | "behind" | "failed" | "missed" | "no-data";
  headline: string;
  detail: string;
}

/**
 * Judges the data's freshness. In order: no published run is `no-data`; a `missed` deadline check
 * with no successful (or skipped) run after it is `missed`; a failed last run is `failed` (saying
 * that the published data is intact, and from when); with a schedule, no successful run since the
 * last trigger is `behind`; otherwise `current`.
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
  if (
    check?.status === "missed" && checkedAt &&
    !(f.confirmed_at && f.confirmed_at.getTime() > checkedAt.getTime())
  ) {
    const dueAt = check.deadline_at instanceof Date ? check.deadline_at : checkedAt;
    return {
      state: "missed",
      headline: "Deadline missed",
      detail: `deadline ${formatInstant(dueAt, zone)}: ${isolated(String(check.detail))}`,
    };
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
    detail: `published by run ${f.published_run_id} ${formatAge(f.published_age_seconds)}; ` +
      `sources last confirmed by run ${f.confirmed_run_id} (${f.confirmed_status}) ${
        formatAge(f.confirmed_age_seconds)
      }`,
  };
}
