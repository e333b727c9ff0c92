// Owns one pipeline run: lock, list sources, load every file in one transaction, check, publish.
/**
 * @example Run against configured targets
 * ```ts ignore
 * import { runEtl } from "./run_etl.ts";
 * const summary = await runEtl(targets, { force: false });
 * console.log(summary.status, summary.runId);
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DbSettings, RunLimits, S3Settings } from "./config/settings.ts";
import { errorMessage, PipelineError } from "./errors.ts";
import { readObjectBytes } from "./extract/object_reader.ts";
import { createS3Client } from "./extract/s3_client.ts";
import { findSourceObjects, type SourceFile, type SourceObject } from "./extract/source_objects.ts";
import type { FileLoadContext, FileLoadResult } from "./load/file_load.ts";
import { checkReachable } from "./db/check_reachable.ts";
import { isLostConnection } from "./db/is_lost_connection.ts";
import { loadAnimeList } from "./load/load_anime_list.ts";
import { loadRows } from "./load/load_rows.ts";
import { migrate } from "./db/migrate.ts";
import { LOG_SESSIONS, openRunConnections, type RunConnections } from "./db/run_connections.ts";
import { sqlText } from "./db/sql_files.ts";
import { type QualityCheck, runQualityChecks } from "./quality/run_checks.ts";
import { abortableIterable, raceAbort } from "./runtime/abortable.ts";
import { createProgress, type Progress } from "./runtime/progress.ts";
import { ANIME_COLUMNS, ANIME_NUMBER_COLUMNS, buildAnimeRow } from "./transform/anime_row.ts";
import { describeMissingReference, type QuarantinedKeys } from "./transform/missing_reference.ts";
import {
  buildSynopsisRow,
  SYNOPSIS_COLUMNS,
  SYNOPSIS_NUMBER_COLUMNS,
} from "./transform/synopsis_row.ts";
import {
  buildWatchingStatusRow,
  WATCHING_STATUS_COLUMNS,
} from "./transform/watching_status_row.ts";

/** Where to read from and load into. */
export interface EtlTargets {
  s3: S3Settings;
  db: DbSettings;
  limits: RunLimits;
}

/** Options of {@link runEtl}. */
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

/** Accounting of one source file in a run. */
export interface FileSummary extends FileLoadResult {
  file: SourceFile;
  key: string;
  etag: string;
  sizeBytes: number;
  seconds: number;
}

/** What a run did. */
export interface RunSummary {
  runId: number;
  status: "succeeded" | "skipped" | "failed";
  files: FileSummary[];
  checks: QualityCheck[];
  seconds: number;
  /** Stored bytes read from S3. */
  bytesRead: number;
  /** Why the run failed: code and message. */
  error?: { code: string; message: string };
  /**
   * Set when the failure could not be written to etl.runs (the database is unreachable): why not.
   * The run stays `running` there until the next run marks it abandoned.
   */
  unrecorded?: string;
}

// Any constant works; it only has to differ from other advisory locks in the same database.
const RUN_LOCK = 7_411_002;

/**
 * Runs the pipeline once. Nothing is published unless every file loaded within its reject
 * threshold and every blocking quality check passed; the previous tables stay readable throughout.
 *
 * @returns The run's summary; `status: "failed"` carries the error (the run is recorded as failed).
 * @throws {PipelineError} Before a run exists: `DB_UNREACHABLE`, `DB_INCOMPATIBLE`, `RUN_LOCKED`,
 *   `INTERRUPTED` (stopped before the run started).
 */
export async function runEtl(
  targets: EtlTargets,
  options: RunEtlOptions = {},
): Promise<RunSummary> {
  const progress = options.progress ?? createProgress({ mode: "quiet" });
  if (options.signal?.aborted) {
    throw new PipelineError("INTERRUPTED", `Cannot start a run: ${stopReason(options.signal)}`, {
      stage: "runtime",
    });
  }
  await using connections = openRunConnections(targets.db, {
    connectTimeoutSeconds: options.connectTimeoutSeconds ?? 10,
  });
  const { log: sql, lock } = connections;
  const s3 = createS3Client(targets.s3);
  try {
    await checkReachable(sql, targets.db, "load");
    await migrate(sql);
    await acquireRunLock(lock);
    try {
      return await runLocked(connections, s3, targets, options, progress);
    } finally {
      // A lost lock session was ended already (the lock went with it): this rejects at once.
      await lock.unsafe(await sqlText("runs/release_run_lock"), [RUN_LOCK]).catch(() => {});
    }
  } finally {
    s3.destroy();
  }
}

async function runLocked(
  connections: RunConnections,
  s3: S3Client,
  targets: EtlTargets,
  options: RunEtlOptions,
  progress: Progress,
): Promise<RunSummary> {
  const { log: sql, signal: connectionLost } = connections;
  const started = performance.now();
  const [run] = await sql.unsafe<{ run_id: string }[]>(await sqlText("runs/start_run"), [
    options.trigger ?? "manual",
    options.force ?? false,
  ]);
  const runId = Number(run!.run_id);
  const abandoned = await sql.unsafe(await sqlText("runs/abandon_stale_runs"), [runId]);
  for (const stale of abandoned) {
    progress.event(`run:abandoned run ${stale.run_id} was left running; marked failed`);
  }
  const interrupted = () =>
    new PipelineError(
      "INTERRUPTED",
      `Cannot finish run ${runId}: ${
        stopReason(options.signal)
      }; the run was rolled back and nothing was published`,
      { stage: "runtime" },
    );
  const throwIfInterrupted = () => {
    if (options.signal?.aborted) throw interrupted();
  };
  const summary: RunSummary = {
    runId,
    status: "failed",
    files: [],
    checks: [],
    seconds: 0,
    bytesRead: 0,
  };
  try {
    const sources = await raceAbort(
      findSourceObjects(s3, targets.s3, {
        stallTimeoutMs: targets.limits.stallTimeoutSeconds * 1000,
        ...options.retry,
        onRetry: ({ attempt, reason }) =>
          progress.event(`extract:retry listing attempt ${attempt}: ${reason}`),
      }),
      options.signal,
      interrupted,
    );
    for (const source of sources) {
      await sql.unsafe(await sqlText("runs/record_file"), [
        runId,
        source.file,
        source.bucket,
        source.key,
        source.etag,
        source.size,
        source.lastModified ?? null,
      ]);
    }
    throwIfInterrupted();
    if (!options.force && (await sourcesUnchanged(sql, sources))) {
      summary.status = "skipped";
      await finishRun(sql, runId, "skipped", null);
      progress.event(
        `run:skipped run ${runId}: sources unchanged since the last published run (use --force)`,
      );
    } else {
      await connections.transaction(async (tx) => {
        using _cancel = await cancelOnStop(tx, sql, options.signal);
        throwIfInterrupted();
        await tx.unsafe(await sqlText("runs/load_session"));
        await tx.unsafe(await sqlText("runs/create_staging"));
        await tx.unsafe(await sqlText("star/tables"));
        await loadAll(
          tx,
          sql,
          s3,
          sources,
          runId,
          targets.limits,
          summary,
          progress,
          { ...options.retry, signal: connectionLost },
          options.signal && { signal: options.signal, interrupted },
        );
        throwIfInterrupted();
        await tx.unsafe(await sqlText("star/references"));
        summary.checks = await checkAndRecord(tx, sql, runId);
        const failed = summary.checks.filter((check) => check.status === "failed");
        if (failed.length > 0) {
          throw new PipelineError(
            "QUALITY_FAILED",
            `Cannot publish run ${runId}: blocking quality checks failed: ${
              failed.map((check) => `${check.name} (observed ${check.observed})`).join("; ")
            }`,
            { stage: "quality" },
          );
        }
        throwIfInterrupted();
        await tx.unsafe(await sqlText("star/publish"));
        // Grants live on the tables, which each run replaces: give them back before the commit.
        await tx.unsafe(await sqlText("roles/grant_readers"));
        await tx.unsafe(await sqlText("star/analyze"));
        await finishRun(tx, runId, "succeeded", null);
      });
      summary.status = "succeeded";
      progress.event(`run:published run ${runId}`);
    }
  } catch (caught) {
    // A lost session is the cause of whatever failed after it (an aborted S3 read, say).
    const lost = connectionLost.aborted
      ? connectionLost.reason
      : isLostConnection(caught)
      ? caught
      : undefined;
    const error = options.signal?.aborted ? interrupted() : lost !== undefined
      ? new PipelineError(
        "DB_UNREACHABLE",
        `Cannot finish run ${runId}: lost the connection to PostgreSQL (${errorMessage(lost)})`,
        { stage: "load", cause: caught },
      )
      : caught;
    const code = error instanceof PipelineError ? error.code : "LOAD_FAILED";
    summary.error = { code, message: errorMessage(error) };
    try {
      await recordFailure(sql, runId, `${code}: ${errorMessage(error)}`);
    } catch (unrecorded) {
      summary.unrecorded = errorMessage(unrecorded);
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

async function loadAll(
  tx: TransactionSql,
  sql: Sql,
  s3: S3Client,
  sources: SourceObject[],
  runId: number,
  limits: RunLimits,
  summary: RunSummary,
  progress: Progress,
  retry: RunEtlOptions["retry"] & { signal?: AbortSignal } = {},
  stop?: { signal: AbortSignal; interrupted: () => Error },
) {
  const bySource = new Map(sources.map((source) => [source.file, source]));
  const stoppable = (bytes: AsyncIterable<Uint8Array>) =>
    stop ? abortableIterable(bytes, stop.signal, stop.interrupted) : bytes;
  const stallTimeoutMs = limits.stallTimeoutSeconds * 1000;
  let statuses = new Set<number>();
  let animeIds = new Set<number>();
  let quarantinedStatuses: QuarantinedKeys = new Map();
  let quarantinedAnime: QuarantinedKeys = new Map();
  for (const source of sources) {
    if (stop?.signal.aborted) throw stop.interrupted();
    const started = performance.now();
    const fileProgress = progress.startFile(source.file, source.size);
    let storedBytes = 0;
    const context: FileLoadContext = {
      tx,
      sql,
      runId,
      source,
      bytes: stoppable(readObjectBytes(s3, source, {
        stallTimeoutMs,
        ...retry,
        onStoredBytes: (bytes) => storedBytes = bytes,
        onRetry: ({ attempt, offset, reason }) =>
          progress.event(
            `extract:retry ${source.key} attempt ${attempt} from byte ${offset}: ${reason}`,
          ),
      })),
      onProgress: (rows) => fileProgress.update(rows, storedBytes),
    };
    let result: FileLoadResult;
    switch (source.file) {
      case "watching_status.csv": {
        const loaded = await loadRows(context, {
          required: WATCHING_STATUS_COLUMNS,
          keyColumn: "status",
          singleLineColumns: "all",
          copyStatement: "load/copy_watching_status",
          buildRow: buildWatchingStatusRow,
        });
        statuses = loaded.keys;
        quarantinedStatuses = loaded.quarantinedKeys;
        result = loaded;
        break;
      }
      case "anime.csv": {
        await tx.unsafe(await sqlText("load/anime_source_table"));
        const loaded = await loadRows(context, {
          required: ANIME_COLUMNS.map((column) => column.source),
          keyColumn: "MAL_ID",
          singleLineColumns: ANIME_NUMBER_COLUMNS,
          copyStatement: "load/copy_anime_source",
          buildRow: buildAnimeRow,
        });
        await tx.unsafe(await sqlText("load/distribute_anime"));
        animeIds = loaded.keys;
        quarantinedAnime = loaded.quarantinedKeys;
        result = loaded;
        break;
      }
      case "anime_with_synopsis.csv":
        result = await loadRows(context, {
          required: SYNOPSIS_COLUMNS,
          keyColumn: "MAL_ID",
          singleLineColumns: SYNOPSIS_NUMBER_COLUMNS,
          copyStatement: "load/copy_synopsis",
          buildRow: buildSynopsisRow,
          checkKey: (malId) =>
            animeIds.has(malId) ? undefined : {
              reason: "unknown_anime_id",
              detail: describeMissingReference(
                { column: "MAL_ID", key: malId, file: "anime.csv" },
                quarantinedAnime,
              ),
            },
        });
        break;
      case "animelist.csv":
        result = await loadAnimeList(context, {
          animeIds,
          statuses,
          quarantinedAnime,
          quarantinedStatuses,
          reopen: () =>
            stoppable(
              readObjectBytes(s3, bySource.get("animelist.csv")!, { stallTimeoutMs, ...retry }),
            ),
        });
        break;
    }
    const seconds = (performance.now() - started) / 1000;
    summary.bytesRead += source.size;
    summary.files.push({
      ...result,
      file: source.file,
      key: source.key,
      etag: source.etag,
      sizeBytes: source.size,
      seconds,
    });
    await sql.unsafe(await sqlText("runs/finish_file"), [
      runId,
      source.file,
      result.rowsRead,
      result.rowsLoaded,
      result.rowsQuarantined,
      result.ignoredColumns,
      seconds.toFixed(3),
      result.lines.total,
      result.lines.header,
      result.lines.loaded,
      result.lines.quarantined,
      result.lines.blank,
    ]);
    fileProgress.finish(
      `${result.rowsLoaded.toLocaleString("en-US")} loaded, ${
        result.rowsQuarantined.toLocaleString("en-US")
      } quarantined`,
    );
    checkAccounting(source, result, limits);
  }
}

// Rows and lines reconcile, and neither the rows nor the lines quarantined exceed the threshold:
// one record that swallowed many lines fails the run as surely as many bad rows.
function checkAccounting(source: SourceObject, result: FileLoadResult, limits: RunLimits) {
  if (result.rowsRead !== result.rowsLoaded + result.rowsQuarantined) {
    throw new PipelineError(
      "QUALITY_FAILED",
      `Cannot reconcile "${source.key}": read ${result.rowsRead} rows but loaded ${result.rowsLoaded} and quarantined ${result.rowsQuarantined}`,
      { stage: "load" },
    );
  }
  const lines = result.lines;
  if (lines.total !== lines.header + lines.loaded + lines.quarantined + lines.blank) {
    throw new PipelineError(
      "QUALITY_FAILED",
      `Cannot reconcile the lines of "${source.key}": it has ${lines.total} lines but the header ` +
        `covers ${lines.header}, loaded rows ${lines.loaded}, quarantined rows ${lines.quarantined} ` +
        `and blank lines ${lines.blank}`,
      { stage: "load" },
    );
  }
  const dataLines = lines.loaded + lines.quarantined;
  const rowShare = result.rowsRead === 0 ? 0 : result.rowsQuarantined / result.rowsRead;
  const lineShare = dataLines === 0 ? 0 : lines.quarantined / dataLines;
  if (rowShare > limits.rejectThreshold || lineShare > limits.rejectThreshold) {
    const reasons = Object.entries(result.rejectsByReason).map(([reason, n]) => `${reason} ${n}`)
      .join(", ");
    const percent = (share: number) => `${(share * 100).toFixed(2)}%`;
    throw new PipelineError(
      "REJECT_THRESHOLD",
      `Cannot publish "${source.key}": ${result.rowsQuarantined} of ${result.rowsRead} rows ` +
        `(${percent(rowShare)}) covering ${lines.quarantined} of ${dataLines} lines ` +
        `(${percent(lineShare)}) quarantined, limit ${percent(limits.rejectThreshold)}: ` +
        `${reasons}; see etl.rejects`,
      { stage: "load" },
    );
  }
}

async function checkAndRecord(
  tx: TransactionSql,
  sql: Sql,
  runId: number,
): Promise<QualityCheck[]> {
  const checks = await runQualityChecks(tx, runId);
  for (const check of checks) {
    await sql.unsafe(await sqlText("runs/store_quality_check"), [
      runId,
      check.name,
      check.status,
      check.blocking,
      check.observed,
      check.expected,
    ]);
  }
  return checks;
}

async function sourcesUnchanged(sql: Sql, sources: SourceObject[]): Promise<boolean> {
  const published = await sql.unsafe<{ source_key: string; etag: string }[]>(
    await sqlText("runs/last_published_files"),
  );
  if (published.length !== sources.length) return false;
  const etags = new Map(published.map((row) => [row.source_key, row.etag]));
  return sources.every((source) => etags.get(source.key) === source.etag);
}

async function finishRun(
  sql: Sql | TransactionSql,
  runId: number,
  status: string,
  error: string | null,
) {
  await sql.unsafe(await sqlText("runs/finish_run"), [runId, status, error]);
}

// A stop request cancels the load transaction's statement in progress (a COPY, the key build, a
// check), so the transaction rolls back at once instead of at the end of a long statement. Sent
// again every half second until the transaction ends, in case it was between statements.
async function cancelOnStop(
  tx: TransactionSql,
  sql: Sql,
  signal: AbortSignal | undefined,
): Promise<Disposable> {
  if (!signal) return { [Symbol.dispose]() {} };
  const [row] = await tx.unsafe<{ pid: number }[]>(await sqlText("runs/backend_pid"));
  const cancelText = await sqlText("runs/cancel_backend");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    sql.unsafe(cancelText, [row!.pid]).catch(() => {});
    timer = setTimeout(cancel, 500);
  };
  signal.addEventListener("abort", cancel, { once: true });
  return {
    [Symbol.dispose]() {
      signal.removeEventListener("abort", cancel);
      clearTimeout(timer);
    },
  };
}

function stopReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === "string" ? signal.reason : "stopped";
}

// When every backend was terminated at once, the log pool may still hand out sessions whose end
// it has not read yet; each costs one attempt, then the pool reconnects. finish_run only changes
// a running run, so an attempt that did reach the server cannot be applied twice.
async function recordFailure(sql: Sql, runId: number, error: string) {
  for (let attempt = 1;; attempt++) {
    try {
      return await finishRun(sql, runId, "failed", error);
    } catch (failure) {
      if (!isLostConnection(failure) || attempt > LOG_SESSIONS) throw failure;
    }
  }
}

async function acquireRunLock(lock: Sql) {
  const [row] = await lock.unsafe<{ locked: boolean }[]>(await sqlText("runs/try_run_lock"), [
    RUN_LOCK,
  ]);
  if (row?.locked) return;
  const [running] = await lock.unsafe<{ run_id: string; started_at: Date }[]>(
    await sqlText("runs/running_run"),
  );
  throw new PipelineError(
    "RUN_LOCKED",
    `Cannot start a run: another run is in progress${
      running ? ` (run ${running.run_id}, started ${running.started_at.toISOString()})` : ""
    }; try again when it has finished`,
    { stage: "load" },
  );
}
