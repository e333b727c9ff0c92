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

/** Bytes buffered before a write to the socket: large enough to amortise, small enough to stay flat. */
const FLUSH_BYTES = 256 * 1024;
const encoder = new TextEncoder();

/** A COPY FROM STDIN in progress. */
export class CopyWriter {
  readonly #stream: Writable;
  #texts: string[] = [];
  #textLength = 0;
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
    this.#texts.push(text);
    this.#textLength += text.length;
  }

  /** Sends queued text once enough has gathered; await it between input chunks. */
  async flushIfFull(): Promise<void> {
    if (this.#textLength >= FLUSH_BYTES) await this.#flushText();
  }

  /**
   * Writes bytes and resolves once the stream has handed them to the socket, so memory stays flat
   * and the caller may reuse `bytes` afterwards.
   */
  async writeBytes(bytes: Uint8Array): Promise<void> {
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
    await this.#flushText();
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

  async #flushText(): Promise<void> {
    if (this.#textLength === 0) return;
    const text = this.#texts.join("");
    this.#texts = [];
    this.#textLength = 0;
    await this.writeBytes(encoder.encode(text));
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
