// Owns what the steps of one run share: the run's options, its connections, client and stop, and
// the slice of it that loading a file needs.
import type { S3Client } from "@aws-sdk/client-s3";
import type { EtlTargets } from "../config/settings.ts";
import type { RunConnections } from "../db/run_connections.ts";
import type { Progress } from "../runtime/progress.ts";
import type { PublishLocks } from "../publish/publish_locks.ts";
import type { LoadStep } from "./load_sources.ts";
import type { RunStop } from "./run_stop.ts";
import type { RunSummary } from "./run_summary.ts";

/** Options of `runEtl` (lib/run_etl.ts). */
export interface RunEtlOptions {
  /** Load even when every source ETag equals the last published run's; default false. */
  force?: boolean;
  /** Recorded in etl.runs.trigger; default `manual`. */
  trigger?: string;
  /** Progress reporter; default quiet. */
  progress?: Progress;
  /** Seconds to wait for PostgreSQL to accept a connection; default 10. */
  connectTimeoutSeconds?: number;
  /**
   * S3 retries: attempts per request without progress (default 8) and the first backoff delay in
   * milliseconds (default 250, doubled per attempt, full jitter).
   */
  retry?: { maxAttempts?: number; baseDelayMs?: number };
  /**
   * A stop request: the run stops where it is, rolls back and is recorded as failed with
   * `INTERRUPTED` (its reason, e.g. `stopped by SIGTERM`, is named in the message).
   */
  signal?: AbortSignal;
}

/** What the steps of one run share. */
export interface Run {
  runId: number;
  targets: EtlTargets;
  options: RunEtlOptions;
  connections: RunConnections;
  s3: S3Client;
  progress: Progress;
  stop: RunStop;
  summary: RunSummary;
}

/** The part of a run that loading a source file needs. */
export function loadStep(run: Run): Omit<LoadStep, "sources"> {
  return {
    runId: run.runId,
    connections: run.connections,
    s3: run.s3,
    limits: run.targets.limits,
    progress: run.progress,
    stop: run.stop,
    retry: run.options.retry ?? {},
    files: run.summary.files,
  };
}

/**
 * How the run's steps that lock published tables wait for readers (lib/publish/publish_locks.ts):
 * the wait between two attempts ends at once on a stop request or a lost connection.
 */
export function publishLocks(run: Run): PublishLocks {
  const { runId, targets, progress, stop, connections } = run;
  const signals = [stop.signal, connections.signal].filter((signal) => signal !== undefined);
  return {
    runId,
    limits: targets.limits,
    event: (text) => progress.event(text),
    stop: {
      signal: AbortSignal.any(signals),
      error: () => stop.requested ? stop.error() : connections.signal.reason,
    },
  };
}
