// Owns finding the four source objects under the prefix: key, gzip or not, ETag, size.
/**
 * @example Find the sources before touching any table
 * ```ts ignore
 * import { findSourceObjects } from "./source_objects.ts";
 * const sources = await findSourceObjects(client, settings.s3);
 * console.log(sources.map((source) => `${source.key} ${source.etag}`));
 * ```
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { PipelineError } from "../errors.ts";
import type { S3Settings } from "../config/settings.ts";
import { type SendRetryOptions, sendWithRetries } from "./send_with_retries.ts";

/**
 * The logical source files a run lists under the prefix. How each loads, and in which order, is in
 * lib/load/source_table.ts.
 */
export const SOURCE_FILES = [
  "watching_status.csv",
  "anime.csv",
  "anime_with_synopsis.csv",
  "animelist.csv",
] as const;

/** One of {@link SOURCE_FILES}. */
export type SourceFile = typeof SOURCE_FILES[number];

/** Folder under the prefix that holds the daily deltas of animelist.csv. */
export const DELTA_FOLDER = "animelist_updates/";

/** A daily delta, named by its key below the prefix: `animelist_updates/2026-12-01.csv.gz`. */
export type DeltaFile = `animelist_updates/${string}`;

/** A source object as listed in the bucket. */
export interface SourceObject {
  /** One of the snapshot's {@link SOURCE_FILES}, or a delta's key below the prefix. */
  file: SourceFile | DeltaFile;
  bucket: string;
  key: string;
  /** ETag with its quotes, as S3 returns it; reads are pinned to it. */
  etag: string;
  /** Size in bytes of the stored object (compressed size for .csv.gz). */
  size: number;
  lastModified: Date | undefined;
  gzip: boolean;
}

/**
 * Lists the prefix once and resolves each expected file as `NAME.csv` or `NAME.csv.gz`.
 *
 * @param options Retries of the listing (throttling, 5xx, stalls); defaults of {@link sendWithRetries}.
 * @returns The four objects, in the order of {@link SOURCE_FILES}.
 * @throws {PipelineError} Before anything is loaded: `SOURCE_AMBIGUOUS` naming both keys of every
 *   file present plain and gzipped (which one is current cannot be told), `SOURCE_MISSING` naming
 *   every missing key.
 */
export async function findSourceObjects(
  client: S3Client,
  settings: S3Settings,
  options: ListRetryOptions = {},
): Promise<SourceObject[]> {
  const listed = await listPrefix(client, settings, options);
  const missing: string[] = [];
  const ambiguous: string[] = [];
  const found: SourceObject[] = [];
  for (const file of SOURCE_FILES) {
    const plain = listed.get(`${settings.prefix}${file}`);
    const gzipped = listed.get(`${settings.prefix}${file}.gz`);
    if (plain !== undefined && gzipped !== undefined) {
      ambiguous.push(`"${plain.key}" and "${gzipped.key}"`);
      continue;
    }
    const object = plain ?? gzipped;
    if (object === undefined) {
      missing.push(`"${settings.prefix}${file}" (or .gz)`);
      continue;
    }
    found.push({ ...object, file, bucket: settings.bucket, gzip: plain === undefined });
  }
  if (ambiguous.length > 0) {
    throw new PipelineError(
      "SOURCE_AMBIGUOUS",
      `Cannot choose the source files in bucket "${settings.bucket}": both ${
        ambiguous.join(", both ")
      } exist; remove the one that is not current`,
      { stage: "extract" },
    );
  }
  if (missing.length > 0) {
    throw new PipelineError(
      "SOURCE_MISSING",
      `Cannot find source files in bucket "${settings.bucket}": missing ${missing.join(", ")}`,
      { stage: "extract" },
    );
  }
  return found;
}

type Listed = Pick<SourceObject, "key" | "etag" | "size" | "lastModified">;

/** Retry options of a listing: those of {@link sendWithRetries} but the action. */
export type ListRetryOptions = Omit<SendRetryOptions, "action">;

/**
 * Lists every object directly under the prefix; each page is retried on transient failures.
 *
 * @returns Objects by key.
 */
export async function listPrefix(
  client: S3Client,
  settings: S3Settings,
  options: ListRetryOptions & { prefix?: string; nested?: boolean } = {},
): Promise<Map<string, Listed>> {
  const objects = new Map<string, Listed>();
  const prefix = options.prefix ?? settings.prefix;
  let continuationToken: string | undefined;
  do {
    const command = new ListObjectsV2Command({
      Bucket: settings.bucket,
      Prefix: prefix,
      ...(options.nested ? {} : { Delimiter: "/" }),
      ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
    });
    const page = await sendWithRetries(
      (abortSignal) => client.send(command, { abortSignal }),
      { ...options, action: `list bucket "${settings.bucket}" prefix "${prefix}"` },
    );
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      objects.set(item.Key, {
        key: item.Key,
        etag: item.ETag ?? "",
        size: item.Size ?? 0,
        lastModified: item.LastModified,
      });
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return objects;
}
