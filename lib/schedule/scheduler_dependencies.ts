// Owns wiring the scheduler to the real world: runEtl, the bookkeeping queries and the dashboard.
/**
 * @example What `deno task schedule` passes to the scheduler
 * ```ts ignore
 * import { schedulerDependencies } from "./scheduler_dependencies.ts";
 * const scheduler = new Scheduler({ cron, deadline, clock: systemClock, log, ...schedulerDependencies({
 *   sql, targets, progress, outDir: "reports/dashboard", schedule: { cron, deadline: "07:00" }, log,
 * }) });
 * ```
 */
import type { Sql } from "postgres";
import { writeDashboard } from "../dashboard/write_dashboard.ts";
import { PipelineError } from "../errors.ts";
import { sqlText } from "../db/sql_files.ts";
import type { EtlTargets } from "../config/settings.ts";
import { runEtl } from "../run_etl.ts";
import { startEmbeddedPostgres } from "../embedded/embedded_postgres.ts";
import type { Progress } from "../runtime/progress.ts";
import { raceAbort } from "../runtime/abortable.ts";
import { retryLostConnection } from "../db/retry_lost_connection.ts";
import { checkDeadline } from "./check_deadline.ts";
import type { CronSchedule } from "../calendar/cron_schedule.ts";
import { readExpectedRun } from "./read_expected_run.ts";
import { readRunHistory } from "./read_run_history.ts";
import { readRunsSignature } from "./read_runs_signature.ts";
import type { SchedulerOptions } from "./scheduler.ts";

/** Options of {@link schedulerDependencies}. */
export interface SchedulerDependencyOptions {
  /** The bookkeeping connection (see `connectDatabase`); postgres.js reconnects it after a loss. */
  sql: Sql;
  /** Where runs read from and load into. */
  targets: EtlTargets & { mode: "configured" | "embedded" };
  /** The embedded server's folder and port, to start it again when it was stopped (embedded mode). */
  embedded?: { rootDir: string; port: number };
  progress: Progress;
  /** Folder of the dashboard's index.html. */
  outDir: string;
  schedule: { cron: CronSchedule; deadline: string };
  log(line: string): void;
}

/** The database and run functions of a {@link SchedulerOptions}. */
export type SchedulerDependencies = Pick<
  SchedulerOptions,
  | "runEtl"
  | "readRunHistory"
  | "readExpectedRun"
  | "checkDeadline"
  | "recordFailure"
  | "refreshDashboard"
  | "readRunsSignature"
>;

// A bookkeeping query on a connection PostgreSQL closed can stay unsettled (the postgres.js defect
// lib/db/guard_lost_connections.ts works around); the scheduler must not wait on it for ever.
const QUERY_TIMEOUT_MS = 60_000;
const DASHBOARD_TIMEOUT_MS = 10 * 60_000;

async function bounded<T>(
  what: string,
  work: () => Promise<T>,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    return await raceAbort(work(), timeout.signal, () =>
      new PipelineError(
        "DB_UNREACHABLE",
        `Cannot ${what}: PostgreSQL did not answer within ${timeoutMs / 1000} s`,
        { stage: "load" },
      ));
  } finally {
    clearTimeout(timer);
  }
}

// The failure is recorded just before the next run starts, and must land before that run's row: the
// first query after the server came back can still fail on its connection.
const RECORD_TRIES = { tries: 3, pauseMs: 500 };

/**
 * Builds the scheduler's dependencies. Each database access gives up after a minute (the
 * dashboard after ten) with `DB_UNREACHABLE`, so a connection lost mid-query cannot stall the
 * scheduler. In embedded mode the embedded PostgreSQL is started again
 * (as `deno task etl` does) before a run, a deadline check or recording a failure when it does not
 * answer, e.g. after `deno task db:stop`.
 *
 * @param options Connection, targets, dashboard folder and log.
 * @returns The functions to spread into the scheduler's options.
 */
export function schedulerDependencies(options: SchedulerDependencyOptions): SchedulerDependencies {
  const { sql, targets, progress, log } = options;
  const embedded = targets.mode === "embedded" ? options.embedded : undefined;
  const ensureServer = async () => {
    if (!embedded) return;
    try {
      await sql`select 1`;
    } catch {
      log(
        `schedule:db-start embedded PostgreSQL on port ${embedded.port} does not answer; starting it`,
      );
      await startEmbeddedPostgres(embedded);
    }
  };
  return {
    runEtl: async (trigger, interrupt) => {
      await ensureServer();
      return await runEtl(targets, { trigger, progress, signal: interrupt });
    },
    readRunHistory: () => bounded("read etl.runs", () => readRunHistory(sql)),
    readExpectedRun: () => bounded("read etl.runs", () => readExpectedRun(sql)),
    checkDeadline: (window, context) =>
      bounded("check the deadline", async () => {
        await ensureServer();
        return await checkDeadline(sql, window, context);
      }),
    recordFailure: (failure) =>
      bounded("record a failed run", () =>
        retryLostConnection(RECORD_TRIES, async () => {
          await ensureServer();
          const [row] = await sql.unsafe<{ run_id: number }[]>(
            await sqlText("schedule/record_failed_run"),
            [
              failure.runId ?? null,
              failure.startedAt,
              failure.finishedAt,
              failure.trigger,
              failure.error,
            ],
          );
          return row?.run_id;
        })),
    refreshDashboard: () =>
      bounded("write the dashboard", async () => {
        const { path } = await writeDashboard(sql, {
          outDir: options.outDir,
          schedule: options.schedule,
        });
        log(`dashboard:written file://${encodeURI(path)}`);
      }, DASHBOARD_TIMEOUT_MS),
    readRunsSignature: () => bounded("read etl.runs", () => readRunsSignature(sql)),
  };
}
