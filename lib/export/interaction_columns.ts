// Owns the columns of the interactions files: what each is selected as, its binary COPY type, its dtype.
/**
 * @example The columns, in file order
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTERACTION_COLUMNS } from "./interaction_columns.ts";
 * assert.deepEqual(INTERACTION_COLUMNS.map((column) => column.name), [
 *   "user_id", "anime_id", "rating", "watching_status", "watched_episodes",
 * ]);
 * ```
 */

/** PostgreSQL types the binary COPY decoder reads. `date` becomes a polars Date. */
export type CopyType = "int2" | "int4" | "date";

/** One column of a file written from a binary COPY. */
export interface ExportColumn {
  /** Name in the Parquet file. */
  name: string;
  /** SQL expression over `public.anime_list` that selects it; default the name. */
  select?: string;
  /** Its type in PostgreSQL's binary COPY output. */
  type: CopyType;
  /** True when the value may be null (the file column is then nullable). */
  nullable: boolean;
}

/**
 * The interactions columns, in file order. The first two are the key the files are sorted and
 * split by (`user_id`, then `anime_id`). Daily deltas add the row's source and as-of date as one
 * entry each, e.g. `{ name: "source_id", type: "int4", nullable: false }` and
 * `{ name: "as_of", select: "(select as_of from public.anime_list_source s where s.source_id =
 * anime_list.source_id)", type: "date", nullable: true }`; the decoder, the files, their schema in
 * the manifest and the read-back comparison follow the list.
 */
export const INTERACTION_COLUMNS: readonly ExportColumn[] = Object.freeze([
  { name: "user_id", type: "int4", nullable: false },
  { name: "anime_id", type: "int4", nullable: false },
  { name: "rating", type: "int2", nullable: false },
  { name: "watching_status", type: "int2", nullable: false },
  { name: "watched_episodes", type: "int4", nullable: false },
]);
