// Owns the inventory of the S3 prefix: every object with its size, ETag and last-modified time.
/**
 * @example List what the pipeline will read
 * ```ts ignore
 * import { listSourceObjects } from "./list_source_objects.ts";
 * const objects = await listSourceObjects(session.s3, session.targets.s3);
 * console.table(objects);
 * ```
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3Settings } from "../config/settings.ts";
import { listPrefix, SOURCE_FILES } from "../extract/source_objects.ts";
import { formatBytes } from "../report/format.ts";

/** One object under the prefix. */
export interface ListedObject {
  key: string;
  /** The source file the pipeline reads it as (`anime.csv`), or `(not read)`. */
  file: string;
  size_bytes: number;
  /** The size for reading, e.g. `5.8 MB`. */
  size: string;
  /** ETag with its quotes, as S3 returns it; a run whose ETags match the last one is skipped. */
  etag: string;
  last_modified: Date | null;
}

/**
 * Lists the objects directly under the configured prefix, sorted by key (byte order).
 *
 * @param client S3 client.
 * @param settings Bucket and prefix.
 * @returns One row per object, including objects the pipeline does not read.
 * @throws {PipelineError} `SOURCE_DENIED`, `SOURCE_MISSING` (no such bucket) or `SOURCE_UNREADABLE`.
 */
export async function listSourceObjects(
  client: S3Client,
  settings: S3Settings,
): Promise<ListedObject[]> {
  const listed = await listPrefix(client, settings);
  const fileOf = new Map<string, string>();
  for (const file of SOURCE_FILES) {
    fileOf.set(`${settings.prefix}${file}`, file);
    // The pipeline prefers NAME.csv; NAME.csv.gz is read only when NAME.csv is absent.
    if (!listed.has(`${settings.prefix}${file}`)) fileOf.set(`${settings.prefix}${file}.gz`, file);
  }
  // Byte order of keys, as S3 lists them.
  return [...listed.values()].sort((a, b) => (a.key < b.key ? -1 : 1)).map((object) => ({
    key: object.key,
    file: fileOf.get(object.key) ?? "(not read)",
    size_bytes: object.size,
    size: formatBytes(object.size),
    etag: object.etag,
    last_modified: object.lastModified ?? null,
  }));
}
