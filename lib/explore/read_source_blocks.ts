// Owns streaming a large source object into polars one block of records at a time (full animelist.csv).
/**
 * @example Count the rows of animelist.csv without holding it in memory
 * ```ts ignore
 * import { readSourceBlocks } from "./read_source_blocks.ts";
 * let rows = 0;
 * for await (const block of readSourceBlocks(session.s3, await session.source("animelist.csv"))) {
 *   rows += block.height;
 * }
 * ```
 */
import type pl from "nodejs-polars";
import type { S3Client } from "@aws-sdk/client-s3";
import { readObjectBytes } from "../extract/object_reader.ts";
import type { SourceObject } from "../extract/source_objects.ts";
import { concatBytes, parseCsvFrame, RecordBoundaries } from "./_csv_frame.ts";

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
