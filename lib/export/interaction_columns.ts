// Owns the columns of the interactions files: what each is selected as, its binary COPY type, its dtype.
/**
 * @example The columns, in file order
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTERACTION_COLUMNS } from "./interaction_columns.ts";
 * assert.deepEqual(INTERACTION_COLUMNS.map((column) => column.name), [
 *   "user_id", "anime_id", "rating", "watching_status", "watched_episodes", "source_id", "as_of",
 * ]);
 * ```
 */

/** PostgreSQL types the binary COPY decoder reads. `date` becomes a polars Date. */
export type CopyType = "int2" | "int4" | "date";

/** One column of a file written from a binary COPY. */
export interface ExportColumn {
  /** Name in the Parquet file. */
  name: string;
  /**
   * SQL expression that selects it, over the COPY query's `from` (sql/export/copy_interactions.sql):
   * `public.anime_list`; default the name.
   */
  select?: string;
  /**
   * Set for a column taken from the row's source object instead of the COPY: `as_of` is
   * `anime_list_source.as_of` of the row's `source_id` (a column the COPY must select), looked up
   * in the exporter (null when the source has no date or is not listed, as a left join gives).
   */
  fromSource?: "as_of";
  /** Its type in PostgreSQL's binary COPY output. */
  type: CopyType;
  /** True when the value may be null (the file column is then nullable). */
  nullable: boolean;
}

/**
 * The interactions columns, in file order. The first two are the key the files are sorted and
 * split by (`user_id`, then `anime_id`). The last two say where each row comes from, so that a
 * model can be trained on data up to a date and tested on what came after: `source_id`, the
 * source object that last set the row (1 the snapshot, 2, 3, ... the daily deltas), and `as_of`,
 * that delta's date (null for the snapshot, whose key names no date). `source_id` stays Int16, the
 * table's own smallint: the decoder reads the 2 bytes COPY sends, with no cast per row, and 32,767
 * sources are about 90 years of daily deltas. `as_of` is not in the COPY: the exporter reads
 * anime_list_source (a row per source object) once and gives each row its source's date, which
 * spares the server a join per row (about 1 s of 8M rows). The decoder, the files, their schema in
 * the manifest, the read-back comparison and the reconciliation follow the list.
 */
export const INTERACTION_COLUMNS: readonly ExportColumn[] = Object.freeze([
  { name: "user_id", type: "int4", nullable: false },
  { name: "anime_id", type: "int4", nullable: false },
  { name: "rating", type: "int2", nullable: false },
  { name: "watching_status", type: "int2", nullable: false },
  { name: "watched_episodes", type: "int4", nullable: false },
  // anime_list's smallint: anime_list_source.source_id is an integer.
  { name: "source_id", type: "int2", nullable: false },
  { name: "as_of", fromSource: "as_of", type: "date", nullable: true },
]);
