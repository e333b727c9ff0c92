// Owns manifest.json of an export: what it records, its exact text, and reading one back.
/**
 * @example The text is a function of the manifest: keys in a fixed order, two-space indent
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Manifest, manifestText, parseManifest } from "./manifest.ts";
 * const manifest: Manifest = {
 *   format: "anime-etl-export/1", run_id: 3, published_at: "2026-12-01T06:04:00.000Z",
 *   source_objects: [], tables: {
 *     interactions: { rows: 0, files: [], sorted_by: ["user_id", "anime_id"] },
 *     anime: { rows: 0, files: [], sorted_by: ["mal_id"] },
 *   },
 *   files: [], pipeline: { version: "abc", nodejs_polars: "0.25.2", parquet: {} },
 *   command: "deno task export --run 3 --out exports",
 * };
 * const text = manifestText(manifest);
 * assert.ok(text.endsWith("}\n"));
 * assert.deepEqual(parseManifest(text, "exports/run=3"), manifest);
 * ```
 */
import { PipelineError } from "../errors.ts";
import type { SchemaColumn } from "./write_parquet_file.ts";

/** The manifest format this version writes and reads. */
export const MANIFEST_FORMAT = "anime-etl-export/1";

/** A source object of the exported run, as etl.run_files recorded it. */
export interface ManifestSource {
  file: string;
  bucket: string;
  key: string;
  etag: string;
  size_bytes: number;
  last_modified: string | null;
  /** Rows the run loaded from it into the star schema. */
  rows_loaded: number | null;
}

/** One file of the export. */
export interface ManifestFile {
  /** Below `run=N/`, e.g. `interactions/part-00000.parquet`. */
  path: string;
  table: "interactions" | "anime";
  rows: number;
  size_bytes: number;
  sha256: string;
  schema: SchemaColumn[];
  /** Interactions only: the first and last `user_id` in the file (null when it is empty). */
  first_user_id?: number | null;
  last_user_id?: number | null;
}

/** A table of the export: its rows, its files in order, the columns its rows are sorted by. */
export interface ManifestTable {
  rows: number;
  files: string[];
  sorted_by: string[];
}

/** manifest.json: everything needed to trust, read and reproduce the export. */
export interface Manifest {
  format: string;
  run_id: number;
  /** When the run published (finished), ISO 8601. */
  published_at: string;
  source_objects: ManifestSource[];
  tables: { interactions: ManifestTable; anime: ManifestTable };
  files: ManifestFile[];
  pipeline: {
    /** The commit of the pipeline that wrote the files (`-modified` when the tree differed). */
    version: string;
    nodejs_polars: string;
    /** The Parquet writer's settings. */
    parquet: Record<string, unknown>;
  };
  /** The command that writes this export again. */
  command: string;
}

/**
 * The exact text of manifest.json: JSON with two-space indent and a final line feed. Keys come in
 * the order the manifest object was built in (see {@link parseManifest}'s checks).
 */
export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Parses manifest.json and checks its shape.
 *
 * @param text The file's text.
 * @param location Where it was read from, for messages (e.g. `exports/run=12`).
 * @throws {PipelineError} `EXPORT_MISMATCH` naming the location when it is not a manifest of this
 *   format.
 */
export function parseManifest(text: string, location: string): Manifest {
  const refuse = (problem: string) =>
    new PipelineError(
      "EXPORT_MISMATCH",
      `Cannot read ${location}/manifest.json: ${problem}`,
      { stage: "export" },
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw refuse(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const manifest = value as Partial<Manifest>;
  if (typeof value !== "object" || value === null || manifest.format !== MANIFEST_FORMAT) {
    throw refuse(`expected format "${MANIFEST_FORMAT}", got ${JSON.stringify(manifest?.format)}`);
  }
  if (!Number.isInteger(manifest.run_id) || !Array.isArray(manifest.files)) {
    throw refuse("run_id or files is missing");
  }
  for (const file of manifest.files) {
    if (
      typeof file?.path !== "string" || !Number.isInteger(file.rows) ||
      !Number.isInteger(file.size_bytes) || typeof file.sha256 !== "string" ||
      // A path leaving the run's folder would make --verify read another file.
      file.path.split("/").some((part) => part === ".." || part === "") || file.path.startsWith("/")
    ) {
      throw refuse(`file entry ${JSON.stringify(file?.path)} is malformed`);
    }
  }
  if (!manifest.tables?.interactions || !manifest.tables?.anime) {
    throw refuse("tables.interactions or tables.anime is missing");
  }
  return manifest as Manifest;
}
