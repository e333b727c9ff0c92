// Owns reading the source objects into polars: the inventory, a preview, whole frames, blocks.
import type { S3Client } from "@aws-sdk/client-s3";
import type pl from "nodejs-polars";
import type { S3Settings } from "../config/settings.ts";
import { readObjectBytes } from "../extract/object_reader.ts";
import { listPrefix, SOURCE_FILES, type SourceObject } from "../extract/source_objects.ts";
import { formatBytes } from "../report/display/format.ts";
import { concatBytes, parseCsvFrame, RecordBoundaries } from "./_csv_frame.ts";

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
 *
 * @example List what the pipeline will read
 * ```ts ignore
 * import { listSourceObjects } from "./frames.ts";
 * const objects = await listSourceObjects(session.s3, session.targets.s3);
 * console.table(objects);
 * ```
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

/** Options of {@link previewSource}. */
export interface PreviewSourceOptions {
  /** Data rows to return (header excluded); default 5. */
  rows?: number;
}

/**
 * Reads the object from its start until it has the header and `rows` records (quoted line breaks
 * included), then stops the download. Every column is read as text, as written in the file.
 *
 * @param client S3 client.
 * @param source A listed source object.
 * @returns Up to `rows` rows, header names trimmed.
 * @throws {PipelineError} From the S3 reader.
 *
 * @example The first five rows of every source file
 * ```ts ignore
 * import { previewSource } from "./frames.ts";
 * for (const source of await session.sources()) {
 *   console.log((await previewSource(session.s3, source, { rows: 5 })).toString());
 * }
 * ```
 */
export async function previewSource(
  client: S3Client,
  source: SourceObject,
  options: PreviewSourceOptions = {},
): Promise<pl.DataFrame> {
  const rows = options.rows ?? 5;
  const boundaries = new RecordBoundaries();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let end = -1;
  let records = 0;
  for await (const chunk of readObjectBytes(client, source)) {
    const ends = boundaries.scan(chunk);
    const needed = rows + 1 - records;
    if (ends.length >= needed) {
      end = length + ends[needed - 1]!;
      chunks.push(chunk);
      length += chunk.length;
      break; // leaving the loop aborts the download
    }
    records += ends.length;
    chunks.push(chunk);
    length += chunk.length;
  }
  const bytes = concatBytes(chunks, end >= 0 ? end : length);
  return parseCsvFrame(bytes, true).head(rows);
}

/** Default limit of {@link readSourceFrame}: 512 MB (10^6 bytes), decompressed. */
export const DEFAULT_MAX_FRAME_BYTES = 512e6;

/** Options of {@link readSourceFrame}. */
export interface ReadSourceFrameOptions {
  /** Read every column as text (keeps `Unknown`, `229170.0` as written); default false (inferred). */
  text?: boolean;
  /**
   * Largest object, in decompressed bytes, read into one frame; default 512 MB. The full
   * animelist.csv (about 1.9 GB) is above it: stream it with `readSourceBlocks`.
   */
  maxBytes?: number;
}

/**
 * Streams the object through the pipeline's resumable reader (pinned to the listed ETag, gzip
 * decompressed) and parses it with polars, which cannot read this S3 source itself.
 *
 * @param client S3 client.
 * @param source A listed source object (`session.source("anime.csv")`).
 * @returns The whole file as a DataFrame, header names trimmed.
 * @throws {RangeError} When the object is larger than `maxBytes`, before reading it (or as soon as
 *   its decompressed bytes pass the limit).
 * @throws {PipelineError} From the S3 reader: `SOURCE_CHANGED`, `SOURCE_UNREADABLE`, …
 *
 * @example Read anime.csv with every column as text, so Unknown stays visible
 * ```ts ignore
 * import { readSourceFrame } from "./frames.ts";
 * const anime = await readSourceFrame(session.s3, await session.source("anime.csv"), { text: true });
 * console.log(anime.shape);
 * ```
 */
export async function readSourceFrame(
  client: S3Client,
  source: SourceObject,
  options: ReadSourceFrameOptions = {},
): Promise<pl.DataFrame> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const tooLarge = (bytes: number) =>
    new RangeError(
      `Cannot read "${source.bucket}/${source.key}" into one frame: ${
        formatBytes(bytes)
      } is above the limit of ${formatBytes(maxBytes)}; stream it with readSourceBlocks instead`,
    );
  if (source.size > maxBytes) throw tooLarge(source.size);
  // A plain object's size is known: its parts download in parallel straight into one buffer.
  if (!source.gzip) {
    const bytes = new Uint8Array(source.size);
    await Promise.all(
      partsOf(source.size).map(async ({ start, end }) => {
        let offset = start;
        for await (const chunk of readObjectBytes(client, source, { range: { start, end } })) {
          bytes.set(chunk, offset);
          offset += chunk.length;
        }
      }),
    );
    return parseCsvFrame(bytes, options.text ?? false);
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of readObjectBytes(client, source)) {
    length += chunk.length;
    if (length > maxBytes) throw tooLarge(length);
    chunks.push(chunk);
  }
  return parseCsvFrame(concatBytes(chunks, length), options.text ?? false);
}

// Parallel ranged GETs keep both the store and the client busy: at 222 MB from s3rver, four parts
// took 0.47–0.69 s and one request 0.58–0.73 s in four trials. Small objects stay one request.
const PART_COUNT = 4;
const MIN_PART_BYTES = 8 * 1024 * 1024;

function partsOf(size: number): { start: number; end: number }[] {
  const count = Math.max(1, Math.min(PART_COUNT, Math.floor(size / MIN_PART_BYTES)));
  const partBytes = Math.ceil(size / count);
  const parts = [];
  for (let start = 0; start < size; start += partBytes) {
    parts.push({ start, end: Math.min(size, start + partBytes) });
  }
  return parts;
}

/** Options of {@link readSourceBlocks}. */
export interface ReadSourceBlocksOptions {
  /** Decompressed bytes per block, cut at the last whole record; default 64 MiB. */
  blockBytes?: number;
  /** Read every column as text; default false (types inferred per block). */
  text?: boolean;
}

/**
 * Streams the object and yields a DataFrame per block of whole records, each parsed with the file's
 * header. Memory holds one block at a time, so the full 109M-row animelist.csv (about 1.9 GB) can be
 * profiled on a laptop.
 *
 * @param client S3 client.
 * @param source A listed source object.
 * @returns Blocks in file order; together they hold every record once.
 * @throws {PipelineError} From the S3 reader.
 *
 * @example Count the rows of animelist.csv without holding it in memory
 * ```ts ignore
 * import { readSourceBlocks } from "./frames.ts";
 * let rows = 0;
 * for await (const block of readSourceBlocks(session.s3, await session.source("animelist.csv"))) {
 *   rows += block.height;
 * }
 * ```
 */
export async function* readSourceBlocks(
  client: S3Client,
  source: SourceObject,
  options: ReadSourceBlocksOptions = {},
): AsyncGenerator<pl.DataFrame> {
  const blockBytes = options.blockBytes ?? 64 * 1024 * 1024;
  const text = options.text ?? false;
  const boundaries = new RecordBoundaries();
  let header: Uint8Array | undefined;
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let ends: number[] = []; // offsets in the pending bytes just after each whole record
  const take = (cut: number): Uint8Array => {
    const joined = concatBytes(pending, pendingLength);
    pending = [joined.subarray(cut)];
    pendingLength -= cut;
    ends = ends.filter((end) => end > cut).map((end) => end - cut);
    return joined.subarray(0, cut);
  };
  for await (const chunk of readObjectBytes(client, source)) {
    for (const end of boundaries.scan(chunk)) ends.push(pendingLength + end);
    pending.push(chunk);
    pendingLength += chunk.length;
    if (header === undefined) {
      if (ends.length === 0) continue;
      header = take(ends[0]!).slice();
    }
    while (pendingLength >= blockBytes && ends.length > 0) {
      // The last record ending within the block, or the first one when a record outgrows it.
      const within = ends.filter((end) => end <= blockBytes);
      yield parseCsvFrame(concatBytes([header, take(within.at(-1) ?? ends[0]!)]), text);
    }
  }
  if (header === undefined) {
    // A file without a line feed: the header alone, or one unterminated line.
    const joined = concatBytes(pending, pendingLength);
    if (joined.length > 0) yield parseCsvFrame(joined, text);
    return;
  }
  const rest = concatBytes(pending, pendingLength);
  if (rest.some((byte) => byte !== 0x0a && byte !== 0x0d && byte !== 0x20)) {
    yield parseCsvFrame(concatBytes([header, rest]), text);
  }
}
