// Owns deciding what a run does with the sources it listed, by the state rule: a full refresh
// (snapshot then every delta), an incremental run (only new deltas) or a skip, and why.
/**
 * @example Only a new delta after the last applied one: an incremental run
 * ```ts
 * import assert from "node:assert/strict";
 * import { decidePlan } from "./plan_run.ts";
 * const file = (key: string, etag: string) => ({ key, etag });
 * const plan = decidePlan({
 *   force: false,
 *   snapshot: [file("p/animelist.csv", "a")],
 *   published: [{ sourceFile: "animelist.csv", sourceKey: "p/animelist.csv", etag: "a" }],
 *   deltas: [file("p/animelist_updates/2026-12-01.csv", "d1"), file("p/animelist_updates/2026-12-02.csv", "d2")],
 *   applied: [
 *     { sourceId: 1, objectKey: "p/animelist.csv", etag: "a" },
 *     { sourceId: 2, objectKey: "p/animelist_updates/2026-12-01.csv", etag: "d1" },
 *   ],
 *   listRows: 10,
 * });
 * assert.equal(plan.kind, "incremental");
 * assert.deepEqual(plan.kind === "incremental" && plan.deltas.map((d) => d.key), ["p/animelist_updates/2026-12-02.csv"]);
 * ```
 */
import type { Sql } from "postgres";
import { compareKeys } from "../extract/delta_objects.ts";
import { DELTA_FOLDER } from "../extract/source_objects.ts";
import { sqlText } from "../db/sql_files.ts";
import { lastPublishedFiles, type PublishedFile } from "./run_log.ts";

/** What a run does, and why; the reason is printed and recorded in etl.runs. */
export type RunPlan<Delta extends ListedObject = ListedObject> =
  | { kind: "skipped"; reason: string }
  | { kind: "full"; reason: string; deltas: Delta[] }
  | {
    kind: "incremental";
    reason: string;
    /** The new deltas, in key order. */
    deltas: Delta[];
    /** source_id of the first new delta. */
    firstSourceId: number;
    /** anime_list rows before the first new delta, from the ledger. */
    listRows: number;
    /**
     * Dimension files whose ETag changed (`anime.csv`, ...), when only those did: the run rebuilds
     * them and reconciles the facts in place before the new deltas; absent when none changed.
     */
    dimensions?: string[];
  };

/** What planning needs of a listed object. */
export interface ListedObject {
  key: string;
  etag: string;
}

/** An object the published list was built from (a row of anime_list_source). */
export interface AppliedSource {
  sourceId: number;
  objectKey: string;
  etag: string;
}

/** Everything the state rule looks at. */
export interface PlanInput<Delta extends ListedObject> {
  force: boolean;
  /** The four snapshot objects listed now. */
  snapshot: readonly ListedObject[];
  /** The snapshot objects of the last published run (none before the first). */
  published: readonly PublishedFile[];
  /** Every delta listed now, in key order. */
  deltas: readonly Delta[];
  /** The published ledger, by source id; null when the published data predates it. */
  applied: readonly AppliedSource[] | null;
  /** anime_list rows after the last applied source, from the ledger; null when unknown. */
  listRows: number | null;
  /** False when the published data has no aggregates to update (published before them); default true. */
  aggregates?: boolean;
  /**
   * The published data keeps its held-back rows (etl.held_back_list_rows), so a change of the
   * dimension files alone can be reconciled in place; default false.
   */
  heldBack?: boolean;
}

/** The snapshot file a change of which always reloads the facts. */
const FACT_FILE = "animelist.csv";

/**
 * The state rule: published data = the snapshot, then every delta in key order. A run that can
 * reach it by applying only new deltas does so; anything else is a full refresh that says why.
 */
export function decidePlan<Delta extends ListedObject>(input: PlanInput<Delta>): RunPlan<Delta> {
  const full = (reason: string): RunPlan<Delta> => ({
    kind: "full",
    reason,
    deltas: [...input.deltas],
  });
  if (input.force) return full("forced");
  if (input.published.length === 0) return full("nothing published yet");
  const published = new Map(input.published.map((file) => [file.sourceKey, file]));
  const dimensions: { file: string; reason: string }[] = [];
  for (const object of input.snapshot) {
    const before = published.get(object.key);
    if (before === undefined) return full(`"${object.key}" is new since the last published run`);
    if (before.etag !== object.etag) {
      const reason = `"${object.key}" changed (ETag ${before.etag} -> ${object.etag})`;
      if (before.sourceFile === FACT_FILE) return full(reason);
      dimensions.push({ file: before.sourceFile, reason });
    }
  }
  if (input.published.length !== input.snapshot.length) {
    return full("the snapshot's objects changed since the last published run");
  }
  if (input.applied === null || input.listRows === null) {
    const reason = "the published data does not record its sources (it predates daily deltas)";
    return full(dimensions.length > 0 ? `${dimensions[0]!.reason}; ${reason}` : reason);
  }
  if (dimensions.length > 0 && !input.heldBack) {
    return full(
      `${dimensions[0]!.reason}; the published data does not keep its held-back rows ` +
        "(it predates dimension updates)",
    );
  }
  if (input.aggregates === false) {
    return full("the published data has no aggregates (it predates anime_stats)");
  }
  const listed = new Map(input.deltas.map((delta) => [delta.key, delta]));
  const appliedDeltas = input.applied.slice(1);
  for (const applied of appliedDeltas) {
    const now = listed.get(applied.objectKey);
    if (now === undefined) return full(`applied delta "${applied.objectKey}" disappeared`);
    if (now.etag !== applied.etag) {
      return full(
        `applied delta "${applied.objectKey}" changed (ETag ${applied.etag} -> ${now.etag})`,
      );
    }
  }
  const appliedKeys = new Set(appliedDeltas.map((applied) => applied.objectKey));
  const fresh = input.deltas.filter((delta) => !appliedKeys.has(delta.key));
  const last = appliedDeltas.at(-1);
  const late = last && fresh.find((delta) => compareKeys(delta.key, last.objectKey) < 0);
  if (late) {
    return full(`new delta "${late.key}" sorts before the last applied "${last.objectKey}"`);
  }
  if (fresh.length === 0 && dimensions.length === 0) {
    return { kind: "skipped", reason: "sources unchanged since the last published run" };
  }
  const newDeltas = `${fresh.length} new ${fresh.length === 1 ? "delta" : "deltas"} after ${
    last ? `"${last.objectKey}"` : "the snapshot"
  }`;
  const incremental = {
    kind: "incremental" as const,
    reason: newDeltas,
    deltas: fresh,
    firstSourceId: input.applied.length + 1,
    listRows: input.listRows,
  };
  if (dimensions.length === 0) return incremental;
  const files = dimensions.map((dimension) => dimension.file);
  return {
    ...incremental,
    reason: `dimensions changed: ${files.join(", ")}${fresh.length > 0 ? `; ${newDeltas}` : ""}`,
    dimensions: files,
  };
}

/**
 * Reads what the state rule needs from the run log and the published ledger, and decides.
 *
 * @param snapshot The four snapshot objects listed now.
 * @param deltas Every delta listed now, in key order.
 */
export async function planRun<Delta extends ListedObject>(
  sql: Sql,
  snapshot: readonly ListedObject[],
  deltas: readonly Delta[],
  options: { force: boolean },
): Promise<RunPlan<Delta>> {
  const published = (await lastPublishedFiles(sql)).filter((file) =>
    !file.sourceFile.startsWith(DELTA_FOLDER)
  );
  const [ledger] = await sql.unsafe<{ exists: boolean; aggregates: boolean }[]>(
    await sqlText("deltas/ledger_exists"),
  );
  let applied: AppliedSource[] | null = null;
  let listRows: number | null = null;
  const [kept] = await sql.unsafe<{ held_back: boolean }[]>(await sqlText("held_back/kept"));
  if (ledger?.exists) {
    const rows = await sql.unsafe<{ source_id: number; object_key: string; etag: string }[]>(
      await sqlText("deltas/applied_sources"),
    );
    applied = rows.map((row) => ({
      sourceId: row.source_id,
      objectKey: row.object_key,
      etag: row.etag,
    }));
    const [counted] = await sql.unsafe<{ list_rows: number | null }[]>(
      await sqlText("deltas/ledger_list_rows"),
      [applied.length],
    );
    listRows = counted?.list_rows ?? null;
  }
  return decidePlan({
    force: options.force,
    snapshot,
    published,
    deltas,
    applied,
    listRows,
    aggregates: ledger?.aggregates ?? false,
    heldBack: kept?.held_back ?? false,
  });
}
