// Owns what an export target offers the exporter and the verifier: a run's manifest, its files, a
// staging folder, and publishing a finished export at once (folder rename, or manifest last on S3).
/**
 * @example Open the store of a folder target
 * ```ts
 * import assert from "node:assert/strict";
 * import { openExportStore } from "./export_store.ts";
 * const store = await openExportStore({ kind: "directory", path: "exports" });
 * assert.equal(store.location(12), "exports/run=12");
 * store.close();
 * ```
 */
import type { S3Settings } from "../config/settings.ts";
import { type ExportTarget } from "../config/export_target.ts";
import { PipelineError } from "../errors.ts";
import { DirectoryStore } from "./directory_store.ts";

/** A file of a stored export: its path below `run=N/` and size. */
export interface StoredFile {
  path: string;
  sizeBytes: number;
}

/** A local copy of a stored file, for reading; `release` removes it when it was downloaded. */
export interface LocalFile {
  path: string;
  release(): Promise<void>;
}

/** An export target: a folder or an S3 prefix holding `run=N/` exports. */
export interface ExportStore {
  /** The target as written (`exports`, `s3://bucket/prefix`). */
  readonly target: string;
  /** Where run N's export is: `exports/run=12`, `s3://bucket/prefix/run=12`. */
  location(runId: number): string;
  /** The text of run N's manifest.json; undefined when there is none. */
  readManifest(runId: number): Promise<string | undefined>;
  /** Every file under run N's folder (manifest.json included), sorted by path. */
  listFiles(runId: number): Promise<StoredFile[]>;
  /** A local copy of one of them. */
  localFile(runId: number, path: string): Promise<LocalFile>;
  /** An empty local folder to write run N's export into before {@link publish}. */
  stagingFolder(runId: number): Promise<string>;
  /**
   * Makes a complete staging folder run N's export. A folder is renamed into place (it appears
   * whole or not at all); on S3 the files are uploaded first and manifest.json last, so an export
   * is complete exactly when its manifest exists.
   *
   * @param files The paths in the staging folder, manifest.json last.
   */
  publish(runId: number, staging: string, files: string[]): Promise<void>;
  /** Removes a staging folder that was not published. */
  discard(staging: string): Promise<void>;
  close(): void;
}

/**
 * Opens a target.
 *
 * @param s3 Endpoint, region and credentials for an `s3://` target (bucket and prefix come from
 *   the target); required for one.
 */
export async function openExportStore(
  target: ExportTarget,
  s3?: S3Settings,
): Promise<ExportStore> {
  if (target.kind === "directory") return new DirectoryStore(target.path);
  if (s3 === undefined) {
    throw new PipelineError(
      "CONFIG_MISSING",
      `Cannot export to s3://${target.bucket}: no S3 settings ([S3] REGION, ENDPOINT, credentials)`,
      { stage: "config" },
    );
  }
  // Loaded only for an S3 target: the AWS SDK added about 30 ms to the start of every export.
  const { S3Store } = await import("./s3_store.ts");
  return new S3Store(target, s3);
}

/** The folder name of run N's export. */
export function runFolder(runId: number): string {
  return `run=${runId}`;
}
