// Owns writing rows of numbers (and short ASCII texts) in PostgreSQL's binary COPY format, straight
// from typed arrays into megabyte buffers, and streaming them into a `COPY ... FROM STDIN`.
/**
 * @example Encode two rows of (integer, smallint) and end the stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { BinaryCopyRows } from "./binary_copy_rows.ts";
 * const rows = new BinaryCopyRows();
 * for (const [id, code] of [[7, 2], [8, 1]]) {
 *   rows.startRow(2);
 *   rows.int4(id!);
 *   rows.int2(code!);
 * }
 * const bytes = rows.finish();
 * // signature and header (19), two rows of 2 + 8 + 6 bytes, the trailer (2)
 * assert.equal(bytes.reduce((sum, part) => sum + part.length, 0), 19 + 2 * 16 + 2);
 * ```
 */
import type { TransactionSql } from "postgres";
import { CopyWriter } from "./copy_writer.ts";

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const BUFFER_BYTES = 1 << 20;
/** Largest row {@link BinaryCopyRows.startRow} makes room for: 2 bytes, then 4 + 4 per field. */
const MAX_FIELDS = 32;
const MAX_TEXT_BYTES = 64;
const NONE: readonly Uint8Array[] = Object.freeze([]);
const MAX_SPARE = 2;

/**
 * Binary COPY rows in buffers of a megabyte: no string and no object per row. A row is
 * {@link startRow} and then exactly that many fields, in the COPY statement's column order.
 */
export class BinaryCopyRows {
  #buffer = new Uint8Array(BUFFER_BYTES);
  #view = new DataView(this.#buffer.buffer);
  #offset = 0;
  #full: Uint8Array[] = [];
  // Buffers written and handed back (recycle): a COPY of any size reuses the same few megabytes
  // instead of leaving a dead megabyte per buffer for the collector.
  #spare: Uint8Array<ArrayBuffer>[] = [];

  constructor() {
    this.#buffer.set(SIGNATURE);
    this.#offset = 19; // signature, flags (int32 0) and header extension length (int32 0)
  }

  /**
   * Starts a row of `fields` fields (at most 32; a text field at most 64 bytes).
   *
   * @throws {RangeError} For more fields than a row can hold.
   */
  startRow(fields: number): void {
    if (fields > MAX_FIELDS) throw new RangeError(`Cannot start a row of ${fields} fields`);
    if (this.#offset + 2 + fields * (4 + MAX_TEXT_BYTES) > BUFFER_BYTES) this.#rotate();
    this.#view.setInt16(this.#offset, fields);
    this.#offset += 2;
  }

  /** A smallint field. */
  int2(value: number): void {
    this.#view.setInt32(this.#offset, 2);
    this.#view.setInt16(this.#offset + 4, value);
    this.#offset += 6;
  }

  /** An integer field. */
  int4(value: number): void {
    this.#view.setInt32(this.#offset, 4);
    this.#view.setInt32(this.#offset + 4, value);
    this.#offset += 8;
  }

  /**
   * A bigint field from an integer number (exact up to 2^53, as every JavaScript integer).
   *
   * @throws {RangeError} For a number that is not a safe integer.
   */
  int8(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Cannot write ${value} as a bigint`);
    this.#view.setInt32(this.#offset, 8);
    this.#view.setBigInt64(this.#offset + 4, BigInt(value));
    this.#offset += 12;
  }

  /** A NULL field. */
  null(): void {
    this.#view.setInt32(this.#offset, -1);
    this.#offset += 4;
  }

  /**
   * A text field from its UTF-8 bytes.
   *
   * @throws {RangeError} For more than 64 bytes.
   */
  text(bytes: Uint8Array): void {
    if (bytes.length > MAX_TEXT_BYTES) {
      throw new RangeError(`Cannot write a text field of ${bytes.length} bytes`);
    }
    this.#view.setInt32(this.#offset, bytes.length);
    this.#buffer.set(bytes, this.#offset + 4);
    this.#offset += 4 + bytes.length;
  }

  /** Buffers filled since the last call (none, without allocating, while the first fills). */
  take(): readonly Uint8Array[] {
    if (this.#full.length === 0) return NONE;
    const full = this.#full;
    this.#full = [];
    return full;
  }

  /** Appends the trailer and returns what is left; the rows are complete. */
  finish(): readonly Uint8Array[] {
    if (this.#offset + 2 > BUFFER_BYTES) this.#rotate();
    this.#view.setInt16(this.#offset, -1);
    this.#offset += 2;
    this.#rotate();
    return this.take();
  }

  /** Hands back a buffer {@link take} or {@link finish} returned, once its bytes are written. */
  recycle(bytes: Uint8Array): void {
    if (bytes.buffer.byteLength === BUFFER_BYTES && this.#spare.length < MAX_SPARE) {
      this.#spare.push(new Uint8Array(bytes.buffer as ArrayBuffer));
    }
  }

  #rotate(): void {
    this.#full.push(this.#buffer.subarray(0, this.#offset));
    this.#buffer = this.#spare.pop() ?? new Uint8Array(BUFFER_BYTES);
    this.#view = new DataView(this.#buffer.buffer);
    this.#offset = 0;
  }
}

/**
 * Streams `count` rows into a binary `COPY ... FROM STDIN`, a megabyte at a time, so memory stays
 * flat however many rows there are.
 *
 * @param tx The transaction to run the COPY on.
 * @param copy The `COPY ... FROM STDIN (format binary)` statement, and the rows: `write` writes row
 *   `index` (0 to `count` - 1) as {@link BinaryCopyRows.startRow} and its fields.
 * @throws What the COPY throws; it is then aborted.
 */
export async function copyBinaryRows(
  tx: Pick<TransactionSql, "unsafe">,
  copy: { statement: string; count: number; write: (rows: BinaryCopyRows, index: number) => void },
): Promise<void> {
  const writer = await CopyWriter.open(tx, copy.statement);
  try {
    const rows = new BinaryCopyRows();
    for (let index = 0; index < copy.count; index++) {
      copy.write(rows, index);
      for (const bytes of rows.take()) {
        await writer.writeBytes(bytes);
        rows.recycle(bytes);
      }
    }
    for (const bytes of rows.finish()) await writer.writeBytes(bytes);
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
