// Owns streaming into PostgreSQL `COPY ... FROM STDIN`: buffering, backpressure, ending and aborting.
/**
 * @example Stream rows into a table in COPY text format
 * ```ts ignore
 * import { CopyWriter } from "./copy_writer.ts";
 * import { copyRow } from "../transform/copy_text_row.ts";
 * const writer = await CopyWriter.open(sql, "copy t (a, b) from stdin");
 * writer.queue(copyRow([1, "tab\there"]));
 * await writer.flushIfFull();
 * await writer.end();
 * ```
 */
import type { Sql } from "postgres";
import type { Writable } from "node:stream";
import { raceAbort } from "../runtime/abortable.ts";

/** Bytes buffered before a write to the socket: large enough to amortise, small enough to stay flat. */
const FLUSH_BYTES = 256 * 1024;
// Largest single write: postgres.js copies each write into a message of its own, so a 60 MB row
// sent whole would be held twice more.
const WRITE_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

/** A COPY FROM STDIN in progress. */
export class CopyWriter {
  readonly #stream: Writable;
  // Queued COPY data in order: text rows (encoded when sent) and rows already encoded as bytes.
  #parts: (string | Uint8Array)[] = [];
  #queuedLength = 0;
  #failure: unknown;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.abort(abortError(this.#signal!));

  private constructor(stream: Writable, signal: AbortSignal | undefined) {
    this.#stream = stream;
    this.#signal = signal;
    stream.on("error", (error: unknown) => this.#failure ??= error);
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Starts a COPY on a connection or transaction.
   *
   * @param sql Connection, reserved connection or transaction to run it on.
   * @param statement A `COPY ... FROM STDIN` statement.
   * @param signal Abandons the COPY when it aborts: every wait of the writer then rejects at once
   *   with its reason. postgres.js 3.4.9 never settles a COPY whose session is lost once its end
   *   was sent (the stream neither finishes nor errors), so a COPY on a session that may die
   *   without ending its run (the reconnecting log pool's) needs the run's signal.
   */
  static async open(
    sql: Pick<Sql, "unsafe">,
    statement: string,
    signal?: AbortSignal,
  ): Promise<CopyWriter> {
    if (signal?.aborted) throw abortError(signal);
    const opening = sql.unsafe(statement).writable();
    if (!signal) return new CopyWriter(await opening, undefined);
    try {
      return new CopyWriter(await raceAbort(opening, signal, () => abortError(signal)), signal);
    } catch (error) {
      // A COPY that starts after all would hold its session: it is abandoned at once.
      opening.then(
        (stream) => new CopyWriter(stream, undefined).abort(abortError(signal)),
        () => {},
      );
      throw error;
    }
  }

  /**
   * Queues a row (`copyRow` in lib/transform/copy_text_row.ts), text or bytes, without waiting;
   * callable from synchronous callbacks.
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
    await this.#unlessAborted(
      new Promise<void>((resolve, reject) => {
        const onError = (error: unknown) => reject(error);
        this.#stream.once("error", onError);
        this.#stream.write(bytes, (error) => {
          this.#stream.off("error", onError);
          if (error) reject(error);
          else resolve();
        });
      }),
    );
  }

  /** Flushes and completes the COPY; resolves once PostgreSQL has accepted every row. */
  async end(): Promise<void> {
    await this.#flushQueued();
    if (this.#failure !== undefined) throw this.#failure;
    try {
      await this.#unlessAborted(
        new Promise<void>((resolve, reject) => {
          this.#stream.once("error", reject);
          this.#stream.end(() => resolve());
        }),
      );
    } finally {
      this.#signal?.removeEventListener("abort", this.#onAbort);
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Abandons the COPY; the statement fails and PostgreSQL discards what it received. */
  abort(reason: Error): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    try {
      this.#stream.destroy(reason);
    } catch {
      // postgres.js 3.4.9 writes the COPY's failure to its socket, which is gone with a lost session.
    }
  }

  #unlessAborted<T>(wait: Promise<T>): Promise<T> {
    const signal = this.#signal;
    return signal ? raceAbort(wait, signal, () => abortError(signal)) : wait;
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

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? "aborted"));
}
