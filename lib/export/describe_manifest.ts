// Owns the tables a reader sees of an export's manifest: its files, its sources, and what a split
// by date can use.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeManifest } from "./describe_manifest.ts";
 * const described = describeManifest({
 *   format: "anime-etl-export/1", run_id: 3, published_at: "2026-12-01T06:04:00.000Z",
 *   source_objects: [{ file: "animelist.csv", bucket: "b", key: "p/animelist.csv", etag: "e1",
 *     size_bytes: 10, last_modified: null, rows_loaded: 2 }],
 *   tables: {
 *     interactions: { rows: 2, files: ["interactions/part-00000.parquet"], sorted_by: [] },
 *     anime: { rows: 1, files: [], sorted_by: [] },
 *   },
 *   files: [{ path: "interactions/part-00000.parquet", table: "interactions", rows: 2,
 *     size_bytes: 900, sha256: "ab".repeat(32), schema: [{ name: "user_id", type: "Int32" }],
 *     first_user_id: 0, last_user_id: 1 }],
 *   pipeline: { version: "abc", nodejs_polars: "0.25.2", parquet: {} },
 *   command: "deno task export --run 3 --out exports",
 * });
 * assert.equal(described.files[0]!.users, "0 to 1");
 * assert.equal(described.split.dated, false);
 * ```
 */
import type { Manifest } from "./manifest.ts";

/** Rows for a table of the export's files and of its sources, and the date split's basis. */
export interface DescribedManifest {
  files: { file: string; rows: number; bytes: number; users: string; sha256: string }[];
  sources: { source: string; etag: string; rows_loaded: number | null }[];
  /**
   * `dated`: the interactions carry `as_of` (daily deltas), so a model can train on rows up to a
   * date and test on what came after; else every row is the snapshot's.
   */
  split: { dated: boolean; interactions: number };
}

/** The manifest as a reader's tables. */
export function describeManifest(manifest: Manifest): DescribedManifest {
  const interactions = manifest.files.filter((file) => file.table === "interactions");
  return {
    files: manifest.files.map((file) => ({
      file: file.path,
      rows: file.rows,
      bytes: file.size_bytes,
      users: file.table === "interactions" && file.first_user_id != null
        ? `${file.first_user_id} to ${file.last_user_id}`
        : "",
      sha256: `${file.sha256.slice(0, 16)}…`,
    })),
    sources: manifest.source_objects.map((source) => ({
      source: `s3://${source.bucket}/${source.key}`,
      etag: source.etag,
      rows_loaded: source.rows_loaded,
    })),
    split: {
      dated: interactions.some((file) => file.schema.some((column) => column.name === "as_of")),
      interactions: manifest.tables.interactions.rows,
    },
  };
}
