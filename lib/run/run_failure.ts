// Owns what a failed run reports and records: the cause named by its code, and a record that
// survives dying log sessions.
/**
 * @example Turn whatever a run threw into its recorded failure
 * ```ts ignore
 * import { describeFailure, recordFailure } from "./run_failure.ts";
 * const failure = describeFailure(caught, { runId, stop, connectionLost: connections.signal });
 * await recordFailure(connections.log, runId, failure);
 * ```
 */
import type { Sql } from "postgres";
import { isLostConnection } from "../db/is_lost_connection.ts";
import { LOG_SESSIONS } from "../db/run_connections.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { finishRun, type RunKind } from "./run_log.ts";
import type { RunStop } from "./run_stop.ts";

/** A failed run's error code and message. */
export interface RunFailure {
  code: string;
  message: string;
}

/**
 * Names the cause of a failed run: a stop request first (`INTERRUPTED`), then a lost connection
 * (`DB_UNREACHABLE`: it is the cause of whatever failed after it, an aborted S3 read say), else
 * the error itself (`LOAD_FAILED` when it has no code).
 *
 * @param caught What the run threw.
 * @param context The run, its stop request and the signal its lost connections abort.
 */
export function describeFailure(
  caught: unknown,
  context: { runId: number; stop: RunStop; connectionLost: AbortSignal },
): RunFailure {
  const { connectionLost } = context;
  const lost = connectionLost.aborted
    ? connectionLost.reason
    : isLostConnection(caught)
    ? caught
    : undefined;
  const error = context.stop.requested
    ? context.stop.error()
    : lost !== undefined
    ? new PipelineError(
      "DB_UNREACHABLE",
      `Cannot finish run ${context.runId}: lost the connection to PostgreSQL (${
        errorMessage(lost)
      })`,
      { stage: "load", cause: caught },
    )
    : caught;
  const code = error instanceof PipelineError ? error.code : "LOAD_FAILED";
  return { code, message: errorMessage(error) };
}

/**
 * Records the run as failed. When every backend was terminated at once, the log pool may still
 * hand out sessions whose end it has not read yet; each costs one attempt, then the pool
 * reconnects. finish_run only changes a running run, so an attempt that did reach the server
 * cannot be applied twice.
 *
 * @throws The last error when the failure cannot be recorded (the database is unreachable).
 */
export async function recordFailure(
  sql: Sql,
  runId: number,
  failure: RunFailure,
  plan?: RunKind,
): Promise<void> {
  const error = `${failure.code}: ${failure.message}`;
  for (let attempt = 1;; attempt++) {
    try {
      return await finishRun(sql, runId, { status: "failed", error, ...(plan ? { plan } : {}) });
    } catch (unrecorded) {
      if (!isLostConnection(unrecorded) || attempt > LOG_SESSIONS) throw unrecorded;
    }
  }
}
