// Private helpers of the explore readers: CSV bytes → polars DataFrame, and record boundaries.
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";

/**
 * Parses CSV bytes (header line first) into a DataFrame. With `text`, every column is read as
 * text, so `Unknown` and `229170.0` stay as written. Header names are trimmed, as the loader maps
 * them (`status, description` has a space); the pandas index column keeps its empty name.
 */
export function parseCsvFrame(bytes: Uint8Array, text: boolean): pl.DataFrame {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3; // UTF-8 BOM
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  const frame = pl.readCSV(body, {
    inferSchemaLength: text ? 0 : 10_000,
    encoding: "utf8-lossy",
    hasHeader: true,
  });
  const trimmed = frame.columns.map((name) => name.trim());
  if (
    new Set(trimmed).size !== trimmed.length ||
    trimmed.every((name, i) => name === frame.columns[i])
  ) {
    return frame;
  }
  return frame.rename(Object.fromEntries(frame.columns.map((name, i) => [name, trimmed[i]!])));
}

/**
 * Finds where records end across chunks: a line feed outside double quotes. RFC 4180 doubles a
 * quote inside a quoted field, which toggles the state twice, so counting quotes is enough.
 */
export class RecordBoundaries {
  #inQuotes = false;

  /** Offsets just after each record-ending line feed in `chunk` (scanned in order, chunk by chunk). */
  scan(chunk: Uint8Array): number[] {
    const ends: number[] = [];
    let inQuotes = this.#inQuotes;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x22) inQuotes = !inQuotes;
      else if (byte === 0x0a && !inQuotes) ends.push(i + 1);
    }
    this.#inQuotes = inQuotes;
    return ends;
  }
}

/** Joins chunks into one array (the chunk itself, without a copy, when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], length?: number): Uint8Array {
  const total = length ?? chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk.subarray(0, Math.min(chunk.length, total - offset)), offset);
    offset += chunk.length;
    if (offset >= total) break;
  }
  return bytes;
}
