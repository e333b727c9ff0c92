// Owns decoding PostgreSQL's binary COPY output into column batches, from chunks cut anywhere.
/**
 * @example Decode one row of two int4 columns
 * ```ts
 * import assert from "node:assert/strict";
 * import { BinaryCopyDecoder } from "./copy_binary_decoder.ts";
 * import { ColumnBatch } from "./column_batch.ts";
 * const columns = [
 *   { name: "a", type: "int4", nullable: false },
 *   { name: "b", type: "int4", nullable: false },
 * ] as const;
 * const batch = new ColumnBatch(columns, 8);
 * const decoder = new BinaryCopyDecoder(columns, batch, () => {});
 * const bytes = [
 *   ..."PGCOPY\n\xff\r\n\0".split("").map((c) => c.charCodeAt(0)), 0, 0, 0, 0, 0, 0, 0, 0,
 *   0, 2, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 1, 0, 255, 255,
 * ];
 * decoder.push(new Uint8Array(bytes));
 * decoder.finish();
 * assert.deepEqual([batch.length, batch.values[0]![0], batch.values[1]![0]], [1, 7, 256]);
 * ```
 */
import type { ColumnBatch } from "./column_batch.ts";
import type { ExportColumn } from "./interaction_columns.ts";

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
// Signature, flags (int32) and header extension length (int32).
const HEADER_BYTES = SIGNATURE.length + 8;
// PostgreSQL dates count days from 2000-01-01; polars Dates from 1970-01-01.
const DAYS_1970_TO_2000 = 10_957;
const TYPE_CODE = { int2: 0, int4: 1, date: 2 } as const;
const TYPE_BYTES = [2, 4, 4];

/**
 * Decodes one binary COPY stream (`COPY ... TO STDOUT (FORMAT binary)`) into a {@link ColumnBatch}.
 * Chunks may split the header, a row or a field anywhere. When the batch is full, `onFull` is
 * called and must make room (empty it, or keep a tail) before decoding goes on.
 */
export class BinaryCopyDecoder {
  readonly #columns: readonly ExportColumn[];
  readonly #types: number[];
  readonly #batch: ColumnBatch;
  readonly #onFull: (batch: ColumnBatch) => void;
  #pending: Uint8Array | undefined;
  #headerSeen = false;
  #ended = false;
  readonly #keyColumns: number;
  /** Rows decoded from this stream. */
  rows = 0;
  /** The values of the first `keyColumns` columns in the last row decoded. */
  readonly lastKey: number[] = [];

  /**
   * @param options `keyColumns`: how many leading columns {@link lastKey} keeps; default 0.
   */
  constructor(
    columns: readonly ExportColumn[],
    batch: ColumnBatch,
    onFull: (batch: ColumnBatch) => void,
    options: { keyColumns?: number } = {},
  ) {
    this.#keyColumns = options.keyColumns ?? 0;
    this.#columns = columns;
    this.#types = columns.map((column) => TYPE_CODE[column.type]);
    this.#batch = batch;
    this.#onFull = onFull;
  }

  /**
   * Decodes the rows a chunk completes.
   *
   * @throws {Error} When the bytes are not a binary COPY of the expected columns.
   */
  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#pending !== undefined) {
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
      this.#pending = undefined;
    }
    let offset = 0;
    if (!this.#headerSeen) {
      offset = this.#readHeader(data);
      if (offset < 0) {
        this.#pending = data.slice();
        return;
      }
    }
    const batch = this.#batch;
    const types = this.#types;
    const columnCount = types.length;
    while (offset < data.length) {
      if (this.#ended) throw new Error("Cannot decode binary COPY: bytes after its trailer");
      const start = offset;
      if (offset + 2 > data.length) break;
      const fields = (data[offset]! << 8) | data[offset + 1]!;
      offset += 2;
      if (fields === 0xffff) {
        this.#ended = true;
        continue;
      }
      if (fields !== columnCount) {
        throw new Error(
          `Cannot decode binary COPY: a row has ${fields} fields, expected ${columnCount}`,
        );
      }
      const row = batch.length;
      let complete = true;
      for (let c = 0; c < columnCount; c++) {
        if (offset + 4 > data.length) {
          complete = false;
          break;
        }
        const length = (data[offset]! << 24) | (data[offset + 1]! << 16) |
          (data[offset + 2]! << 8) | data[offset + 3]!;
        offset += 4;
        if (length === -1) {
          const nulls = batch.nulls[c];
          if (nulls === undefined) {
            throw new Error(
              `Cannot decode binary COPY: column "${this.#columns[c]!.name}" is null`,
            );
          }
          nulls[row] = 1;
          batch.values[c]![row] = 0;
          continue;
        }
        const type = types[c]!;
        if (length !== TYPE_BYTES[type]) {
          throw new Error(
            `Cannot decode binary COPY: column "${this.#columns[c]!.name}" has ${length} bytes, ` +
              `expected ${TYPE_BYTES[type]} for ${this.#columns[c]!.type}`,
          );
        }
        if (offset + length > data.length) {
          complete = false;
          break;
        }
        const nulls = batch.nulls[c];
        if (nulls !== undefined) nulls[row] = 0;
        if (type === 0) {
          batch.values[c]![row] = ((data[offset]! << 24) >> 16) | data[offset + 1]!;
        } else {
          const value = (data[offset]! << 24) | (data[offset + 1]! << 16) |
            (data[offset + 2]! << 8) | data[offset + 3]!;
          batch.values[c]![row] = type === 2 ? value + DAYS_1970_TO_2000 : value;
        }
        offset += length;
      }
      if (!complete) {
        offset = start;
        break;
      }
      batch.length = row + 1;
      this.rows++;
      for (let k = 0; k < this.#keyColumns; k++) this.lastKey[k] = batch.values[k]![row]!;
      if (batch.length === batch.capacity) this.#onFull(batch);
    }
    if (offset < data.length) this.#pending = data.slice(offset);
  }

  /**
   * Checks that the stream ended with its trailer.
   *
   * @throws {Error} When it stopped inside the header or a row, or before the trailer.
   */
  finish(): void {
    if (!this.#ended || this.#pending !== undefined) {
      throw new Error(
        "Cannot decode binary COPY: the stream ended before its trailer (the COPY was cut)",
      );
    }
  }

  // Returns the offset after the header, or -1 when the chunk does not hold all of it yet.
  #readHeader(data: Uint8Array): number {
    if (data.length < HEADER_BYTES) return -1;
    for (let i = 0; i < SIGNATURE.length; i++) {
      if (data[i] !== SIGNATURE[i]) {
        throw new Error("Cannot decode binary COPY: the stream does not start with PGCOPY");
      }
    }
    const at = SIGNATURE.length + 4;
    const extension = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) |
      data[at + 3]!;
    if (data.length < HEADER_BYTES + extension) return -1;
    this.#headerSeen = true;
    return HEADER_BYTES + extension;
  }
}
