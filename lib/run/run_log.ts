// Owns the run log in etl.runs, etl.run_files and etl.quality_checks: one typed function per
// statement, so no caller passes positional parameters.
/**
 * @example Record a run from start to finish
 * ```ts ignore
 * import { finishRun, recordFile, startRun } from "./run_log.ts";
 * const runId = await startRun(sql, { trigger: "manual", forced: false });
 * for (const source of sources) await recordFile(sql, runId, source);
 * await finishRun(sql, runId, { status: "skipped" });
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import type { SourceObject } from "../extract/source_objects.ts";
import type { QualityCheck } from "../quality/run_checks.ts";
import type { DeltaCounts } from "../load/apply_delta.ts";
import type { FileSummary } from "./run_summary.ts";

/** A client or the run's transaction: the final status is written inside the publishing one. */
type Client = Sql | TransactionSql;

/**
 * Inserts a `running` run.
 *
 * @param run `trigger` as recorded in etl.runs.trigger (`manual`, `schedule`, ...); `forced` for
 *   `--force`.
 * @returns The new run's id.
 */
export async function startRun(
  sql: Client,
  run: { trigger: string; forced: boolean },
): Promise<number> {
  const [row] = await sql.unsafe<{ run_id: string }[]>(await sqlText("runs/start_run"), [
    run.trigger,
    run.forced,
  ]);
  return Number(row!.run_id);
}

/**
 * Marks failed every other run still `running`: while this run holds the run lock, they belong to
 * processes that died.
 *
 * @returns Their ids.
 */
export async function abandonStaleRuns(sql: Client, runId: number): Promise<number[]> {
  const rows = await sql.unsafe<{ run_id: string }[]>(await sqlText("runs/abandon_stale_runs"), [
    runId,
  ]);
  return rows.map((row) => Number(row.run_id));
}

/** Records a source object the run found, before anything is read from it. */
export async function recordFile(sql: Client, runId: number, source: SourceObject): Promise<void> {
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

/** Records a loaded file's row and line accounting. */
export async function finishFile(sql: Client, runId: number, file: FileSummary): Promise<void> {
  await sql.unsafe(await sqlText("runs/finish_file"), [
    runId,
    file.file,
    file.rowsRead,
    file.rowsLoaded,
    file.rowsQuarantined,
    file.ignoredColumns,
    file.seconds.toFixed(3),
    file.lines.total,
    file.lines.header,
    file.lines.loaded,
    file.lines.quarantined,
    file.lines.blank,
  ]);
}

/**
 * Ends a running run; a run that is no longer `running` keeps its status (a retry after a lost
 * connection cannot turn `succeeded` into `failed`).
 *
 * @param outcome The final status, and the error as `CODE: message` for a failed run.
 */
export async function finishRun(
  sql: Client,
  runId: number,
  outcome: {
    status: "succeeded" | "skipped" | "failed";
    error?: string;
    plan?: RunKind;
    /** The published data keeps its held-back rows (a full refresh, or a run on such data). */
    heldBack?: boolean;
  },
): Promise<void> {
  await sql.unsafe(await sqlText("runs/finish_run"), [
    runId,
    outcome.status,
    outcome.error ?? null,
    outcome.plan?.kind ?? null,
    outcome.plan?.reason ?? null,
    outcome.heldBack ?? false,
  ]);
}

/** Stores the results of the quality checks, outside the run's transaction: a failed run keeps them. */
export async function storeChecks(
  sql: Client,
  runId: number,
  checks: readonly QualityCheck[],
): Promise<void> {
  const statement = await sqlText("runs/store_quality_check");
  for (const check of checks) {
    await sql.unsafe(statement, [
      runId,
      check.name,
      check.status,
      check.blocking,
      check.observed,
      check.expected,
    ]);
  }
}

/** A source object of the last published run: its logical file, key and ETag. */
export interface PublishedFile {
  sourceFile: string;
  sourceKey: string;
  etag: string;
}

/** The source objects of the last published run (none before the first). */
export async function lastPublishedFiles(sql: Client): Promise<PublishedFile[]> {
  const rows = await sql.unsafe<{ source_file: string; source_key: string; etag: string }[]>(
    await sqlText("runs/last_published_files"),
  );
  return rows.map((row) => ({
    sourceFile: row.source_file,
    sourceKey: row.source_key,
    etag: row.etag,
  }));
}

/** What a run set out to do and why (etl.runs.kind and reason). */
export interface RunKind {
  kind: "full" | "incremental" | "skipped";
  reason: string;
}

/**
 * Records an applied file's place in the list's ledger: its source id, a delta's counts (none for
 * the snapshot) and the anime_list rows after it.
 */
export async function finishListSource(
  sql: Client,
  runId: number,
  file: string,
  ledger: { sourceId: number; listRows: number; delta?: DeltaCounts },
): Promise<void> {
  const delta = ledger.delta;
  await sql.unsafe(await sqlText("runs/finish_list_source"), [
    runId,
    file,
    ledger.sourceId,
    delta?.inserted ?? null,
    delta?.updated ?? null,
    delta?.removed ?? null,
    delta?.absentRemovals ?? null,
    delta?.superseded ?? null,
    delta?.displaced ?? null,
    ledger.listRows,
  ]);
}
