// Owns previewing a source object: its first rows as a polars DataFrame, reading only what they need.
/**
 * @example The first five rows of every source file
 * ```ts ignore
 * import { previewSource } from "./preview_source.ts";
 * for (const source of await session.sources()) {
 *   console.log((await previewSource(session.s3, source, { rows: 5 })).toString());
 * }
 * ```
 */
import type pl from "nodejs-polars";
import type { S3Client } from "@aws-sdk/client-s3";
import { readObjectBytes } from "../extract/object_reader.ts";
import type { SourceObject } from "../extract/source_objects.ts";
import { concatBytes, parseCsvFrame, RecordBoundaries } from "./_csv_frame.ts";

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
