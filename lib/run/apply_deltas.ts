// Owns the run's delta step: every delta to apply, in key order, into the anime_list on the
// transaction's search_path, each entered in the ledger (anime_list_source, etl.run_files) and
// held to the reject threshold.
/**
 * @example After the snapshot of a full refresh, or alone in an incremental run
 * ```ts ignore
 * import { applyDeltas } from "./apply_deltas.ts";
 * await applyDeltas(tx, step, { deltas, firstSourceId: 2, listRows, lookups, maintainAggregates: true });
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import type { DeltaObject } from "../extract/delta_objects.ts";
import { applyDelta } from "../load/apply_delta.ts";
import { checkAccounting } from "../load/check_accounting.ts";
import type { ReferenceLookups } from "../load/load_anime_list.ts";
import { type LoadStep, startFileRead } from "./load_sources.ts";
import { finishFile, finishListSource } from "./run_log.ts";
import { countText } from "../runtime/count_text.ts";
import type { FileSummary } from "./run_summary.ts";

/** Where the deltas start: the first one's source id and the list's rows before it. */
export interface DeltaStart {
  deltas: readonly DeltaObject[];
  firstSourceId: number;
  listRows: number;
  lookups: ReferenceLookups;
  /**
   * Whether each delta updates the aggregates from its own rows (an incremental run); false when
   * the caller rebuilds them from the final list (a full refresh).
   */
  maintainAggregates: boolean;
}

/**
 * Applies the deltas one after the other, as a day-by-day run would.
 *
 * @returns anime_list rows after the last delta (from the ledger's arithmetic).
 * @throws {PipelineError} `REJECT_THRESHOLD` naming the delta's key, or any read or load failure.
 */
export async function applyDeltas(
  tx: TransactionSql,
  step: Omit<LoadStep, "sources">,
  start: DeltaStart,
): Promise<number> {
  const { connections, stop } = step;
  let listRows = start.listRows;
  for (const [index, source] of start.deltas.entries()) {
    stop.throwIfStopped();
    const sourceId = start.firstSourceId + index;
    await recordSource(tx, source, sourceId);
    const started = performance.now();
    const { fileProgress, bytes, onProgress } = startFileRead(step, source);
    const { result, delta, referenceCheck } = await applyDelta(
      { tx, sql: connections.log, runId: step.runId, source, bytes, onProgress },
      { sourceId, listRows, maintainAggregates: start.maintainAggregates },
      start.lookups,
    );
    listRows = delta.listRows;
    const file: FileSummary = {
      ...result,
      delta,
      referenceCheck,
      file: source.file,
      key: source.key,
      etag: source.etag,
      sizeBytes: source.size,
      seconds: (performance.now() - started) / 1000,
    };
    step.files.push(file);
    await finishFile(connections.log, step.runId, file);
    await finishListSource(connections.log, step.runId, source.file, { sourceId, listRows, delta });
    fileProgress.finish(describeDelta(file));
    checkAccounting(source.key, result, step.limits.rejectThreshold);
  }
  return listRows;
}

/** Enters an applied object in anime_list_source (on the search_path). */
export async function recordSource(
  tx: TransactionSql,
  source: { key: string; etag: string; asOf?: string | null },
  sourceId: number,
): Promise<void> {
  await tx.unsafe(await sqlText("deltas/record_source"), [
    sourceId,
    source.key,
    source.etag,
    source.asOf ?? null,
  ]);
}

const number = countText;

/** `1,200 inserted, 3,400 updated, 50 removed, 2 absent removals, 7 superseded, 3 quarantined`. */
export function describeDelta(file: Pick<FileSummary, "delta" | "rowsQuarantined">): string {
  const delta = file.delta!;
  return [
    `${number(delta.inserted)} inserted`,
    `${number(delta.updated)} updated`,
    `${number(delta.removed)} removed`,
    `${number(delta.absentRemovals)} absent removals`,
    `${number(delta.superseded)} superseded`,
    `${number(file.rowsQuarantined)} quarantined`,
    ...(delta.displaced > 0 ? [`${number(delta.displaced)} displaced`] : []),
  ].join(", ");
}
