// Owns COPY rows held for a later COPY: kept as UTF-8 in one growing buffer, not one string each.
/**
 * @example Hold rows while a file streams, send them once it is done
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { HeldCopyRows } from "./held_copy_rows.ts";
 * const held = new HeldCopyRows();
 * held.push("1\tNaruto\n");
 * held.push(new TextEncoder().encode("2\tÉté\n"));
 * assert.equal(held.rows, 2);
 * assert.equal(new TextDecoder().decode(Buffer.concat(held.chunks())), "1\tNaruto\n2\tÉté\n");
 * ```
 */
import type { RowSink } from "../transform/row_encoder.ts";

const encoder = new TextEncoder();
/** Bytes of each buffer the small rows are packed into. */
const CHUNK_BYTES = 256 * 1024;
/** Rows of bytes this large are kept as they are, not copied (a 60 MB synopsis, say). */
const OWN_CHUNK_BYTES = 64 * 1024;

/**
 * Rows of a `COPY ... FROM STDIN` (`copyRow` in lib/transform/copy_text_row.ts) kept until their
 * COPY can run. A dimension file's rows are held while it streams (one COPY runs at a time on the
 * run's transaction); one string per row kept every row alive through the young generation's
 * collections (2 MB, `--max-semi-space-size=2`), each copied there before its promotion: the
 * garbage collector took about a quarter of anime.csv's client time (docs/performance.md).
 */
export class HeldCopyRows implements RowSink {
  readonly #chunks: Uint8Array[] = [];
  #buffer = new Uint8Array(0);
  #length = 0;
  #held = 0;
  /** Rows held. */
  rows = 0;

  /**
   * Appends one row, text or bytes. Small rows are packed into buffers; a large row of bytes is
   * kept as it is, so the caller must not change it afterwards (as with CopyWriter.queue).
   */
  push(row: string | Uint8Array): void {
    if (typeof row === "string") {
      // At most three bytes of UTF-8 per UTF-16 code unit.
      this.#reserve(row.length * 3);
      const written = encoder.encodeInto(row, this.#buffer.subarray(this.#length)).written;
      this.#length += written;
      this.#held += written;
    } else if (row.length >= OWN_CHUNK_BYTES) {
      this.#seal();
      this.#chunks.push(row);
      this.#held += row.length;
    } else {
      this.#reserve(row.length);
      this.#buffer.set(row, this.#length);
      this.#length += row.length;
      this.#held += row.length;
    }
    this.rows++;
  }

  /**
   * The buffer to write one more row into, from {@link end}, with room for `bytes` bytes: for an
   * encoder that writes rows in place (lib/transform/row_encoder.ts), ended by {@link commit}.
   */
  room(bytes: number): Uint8Array {
    this.#reserve(bytes);
    return this.#buffer;
  }

  /** Where the next row starts in the buffer {@link room} returned. */
  get end(): number {
    return this.#length;
  }

  /** Ends the row written into the buffer {@link room} returned, at `end`. */
  commit(end: number): void {
    this.#held += end - this.#length;
    this.#length = end;
    this.rows++;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#held;
  }

  /** The rows held, in order, as consecutive pieces of bytes. */
  chunks(): Uint8Array[] {
    this.#seal();
    return [...this.#chunks];
  }

  // Ends the current buffer so that a new one starts; its unused end is at most one row's reserve.
  #seal(): void {
    if (this.#length > 0) this.#chunks.push(this.#buffer.subarray(0, this.#length));
    this.#buffer = new Uint8Array(0);
    this.#length = 0;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    this.#seal();
    this.#buffer = new Uint8Array(Math.max(bytes, CHUNK_BYTES));
  }
}
