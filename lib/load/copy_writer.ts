// Owns streaming into PostgreSQL `COPY ... FROM STDIN`: buffering, backpressure and text escaping.
/**
 * @example Stream rows into a table in COPY text format
 * ```ts ignore
 * import { CopyWriter, copyTextRow } from "./copy_writer.ts";
 * const writer = await CopyWriter.open(sql, "copy t (a, b) from stdin");
 * writer.queueText(copyTextRow([1, "tab\there"]));
 * await writer.flushIfFull();
 * await writer.end();
 * ```
 */
import type { Sql } from "postgres";
import type { Writable } from "node:stream";
import type { Utf8Text } from "../extract/csv_scanner.ts";

/** Bytes buffered before a write to the socket: large enough to amortise, small enough to stay flat. */
const FLUSH_BYTES = 256 * 1024;
// Largest single write: postgres.js copies each write into a message of its own, so a 60 MB row
// sent whole would be held twice more.
const WRITE_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

/** A value of a COPY row: text, a number, NULL, or UTF-8 text still in the scanner's buffer. */
export type CopyValue = string | number | null | Utf8Text;

/** A COPY FROM STDIN in progress. */
export class CopyWriter {
  readonly #stream: Writable;
  // Queued COPY data in order: text rows (encoded when sent) and rows already encoded as bytes.
  #parts: (string | Uint8Array)[] = [];
  #queuedLength = 0;
  #failure: unknown;

  private constructor(stream: Writable) {
    this.#stream = stream;
    stream.on("error", (error: unknown) => this.#failure ??= error);
  }

  /**
   * Starts a COPY on a connection or transaction.
   *
   * @param sql Connection, reserved connection or transaction to run it on.
   * @param statement A `COPY ... FROM STDIN` statement.
   */
  static async open(sql: Pick<Sql, "unsafe">, statement: string): Promise<CopyWriter> {
    return new CopyWriter(await sql.unsafe(statement).writable());
  }

  /** Queues text (COPY text format rows) without waiting; callable from synchronous callbacks. */
  queueText(text: string): void {
    this.#parts.push(text);
    this.#queuedLength += text.length;
  }

  /**
   * Queues a row from {@link copyRow}, text or bytes, without waiting.
   *
   * @param row Bytes the caller no longer changes.
   */
  queue(row: string | Uint8Array): void {
    this.#parts.push(row);
    this.#queuedLength += row.length;
  }

  /** Sends queued rows once enough have gathered; await it between input chunks. */
  async flushIfFull(): Promise<void> {
    if (this.#queuedLength >= FLUSH_BYTES) await this.#flushQueued();
  }

  /**
   * Writes bytes and resolves once the stream has handed them to the socket, so memory stays flat
   * and the caller may reuse `bytes` afterwards. Large buffers go out a megabyte at a time.
   */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; at += WRITE_BYTES) {
      await this.#write(bytes.length <= WRITE_BYTES ? bytes : bytes.subarray(at, at + WRITE_BYTES));
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: unknown) => reject(error);
      this.#stream.once("error", onError);
      this.#stream.write(bytes, (error) => {
        this.#stream.off("error", onError);
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /** Flushes and completes the COPY; resolves once PostgreSQL has accepted every row. */
  async end(): Promise<void> {
    await this.#flushQueued();
    if (this.#failure !== undefined) throw this.#failure;
    await new Promise<void>((resolve, reject) => {
      this.#stream.once("error", reject);
      this.#stream.end(() => resolve());
    });
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Abandons the COPY; the statement fails and PostgreSQL discards what it received. */
  abort(reason: Error): void {
    this.#stream.destroy(reason);
  }

  async #flushQueued(): Promise<void> {
    const parts = this.#parts;
    this.#parts = [];
    this.#queuedLength = 0;
    let texts: string[] = [];
    for (const part of parts) {
      if (typeof part === "string") {
        texts.push(part);
        continue;
      }
      if (texts.length > 0) await this.writeBytes(encoder.encode(texts.join("")));
      texts = [];
      await this.writeBytes(part);
    }
    if (texts.length > 0) await this.writeBytes(encoder.encode(texts.join("")));
  }
}

/** One row in COPY text format: tab-separated, `\N` for null, backslash escapes. */
export function copyTextRow(values: readonly (string | number | null)[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += "\t";
    const value = values[i];
    if (value === null || value === undefined) line += "\\N";
    else if (typeof value === "number") line += String(value);
    else line += escapeCopyText(value);
  }
  return line + "\n";
}

/**
 * One row in COPY text format, as {@link copyTextRow} writes it; as bytes when a value is
 * {@link Utf8Text}, which is escaped straight from its bytes (and so must be called while the
 * record is valid).
 */
export function copyRow(values: readonly CopyValue[]): string | Uint8Array {
  if (!values.some(isUtf8Text)) return copyTextRow(values as (string | number | null)[]);
  const parts = values.map((value) =>
    isUtf8Text(value) ? value : encoder.encode(copyTextRow([value]).slice(0, -1))
  );
  let size = parts.length; // a tab after each value but the last, and the final newline
  for (const part of parts) size += part instanceof Uint8Array ? part.length : escapedLength(part);
  const row = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part instanceof Uint8Array) {
      row.set(part, at);
      at += part.length;
    } else {
      at = writeEscaped(part, row, at);
    }
    row[at++] = i < parts.length - 1 ? TAB : LF;
  }
  return row;
}

const TAB = 9;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;

function isUtf8Text(value: CopyValue): value is Utf8Text {
  return typeof value === "object" && value !== null;
}

// Bytes of a Utf8Text once quotes are undoubled and COPY's special bytes escaped.
function escapedLength({ bytes, doubledQuotes }: Utf8Text): number {
  let size = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === BACKSLASH || byte === TAB || byte === LF || byte === CR) size++;
    else if (doubledQuotes && byte === QUOTE && bytes[i + 1] === QUOTE) {
      size--;
      i++;
    }
  }
  return size;
}

function writeEscaped({ bytes, doubledQuotes }: Utf8Text, out: Uint8Array, at: number): number {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === BACKSLASH) {
      out[at++] = BACKSLASH;
      out[at++] = BACKSLASH;
    } else if (byte === TAB) {
      out[at++] = BACKSLASH;
      out[at++] = 116; // t
    } else if (byte === LF) {
      out[at++] = BACKSLASH;
      out[at++] = 110; // n
    } else if (byte === CR) {
      out[at++] = BACKSLASH;
      out[at++] = 114; // r
    } else {
      out[at++] = byte;
      if (doubledQuotes && byte === QUOTE && bytes[i + 1] === QUOTE) i++;
    }
  }
  return at;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

function escapeCopyText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case "\t":
        return "\\t";
      case "\n":
        return "\\n";
      default:
        return "\\r";
    }
  });
}
