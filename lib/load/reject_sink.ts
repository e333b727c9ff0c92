// Owns quarantine: streams rejected rows into etl.rejects on their own connection, and counts them.
/**
 * @example Quarantine a record while scanning
 * ```ts ignore
 * import { RejectSink } from "./reject_sink.ts";
 * const rejects = new RejectSink(sql, runId, "prefix/animelist.csv");
 * rejects.addRecord(record, "out_of_range", "rating 11 is outside 0..10");
 * await rejects.flushIfFull();
 * await rejects.close();
 * ```
 */
import type { Sql } from "postgres";
import {
  type CsvRecord,
  LARGE_FIELD_BYTES,
  rawIsLossy,
  rawText,
  rawUtf8,
  type Utf8Text,
} from "../extract/csv_scanner.ts";
import type { RejectReason } from "../transform/values.ts";
import { copyRow } from "../transform/copy_text_row.ts";
import { CopyWriter } from "./copy_writer.ts";
import { sqlText } from "../db/sql_files.ts";

/**
 * Rejects of one source file. They are written outside the load's transaction so that a failed run
 * (for instance one over the reject threshold) still shows which rows were wrong and why.
 */
export class RejectSink {
  readonly #sql: Sql;
  readonly #runId: number;
  readonly #sourceKey: string;
  readonly #signal: AbortSignal | undefined;
  #writer: CopyWriter | undefined;
  #queued: (string | Uint8Array)[] = [];
  #queuedLength = 0;
  /** Rejected rows so far, by reason. */
  readonly countsByReason = new Map<RejectReason, number>();
  /** Rejected rows so far. */
  count = 0;
  /** Physical lines the rejected rows cover. */
  lines = 0;

  /**
   * @param signal Abandons the rejects' COPY when it aborts (the run is over): its session, one of
   *   the log pool's, may be lost without ending the run, and a COPY whose end was sent on a lost
   *   session never settles (lib/load/copy_writer.ts).
   */
  constructor(sql: Sql, runId: number, sourceKey: string, signal?: AbortSignal) {
    this.#sql = sql;
    this.#runId = runId;
    this.#sourceKey = sourceKey;
    this.#signal = signal;
  }

  /**
   * Quarantines a scanned record with its raw text (and bytes, when the text could not hold them).
   * A large record's raw text goes to COPY straight from its bytes, never as a string.
   */
  addRecord(record: CsvRecord, reason: RejectReason, detail: string): void {
    const lossy = rawIsLossy(record);
    const bytes = lossy ? record.bytes.subarray(record.start, record.end) : undefined;
    const raw = !lossy && record.end - record.start >= LARGE_FIELD_BYTES
      ? rawUtf8(record)
      : rawText(record);
    this.add(record.line, reason, detail, raw, { rawBytes: bytes, lineCount: record.lineCount });
  }

  /**
   * Quarantines a row given its line and raw text.
   *
   * @param options `rawBytes`: the exact bytes when `raw` could not hold them; `lineCount`: physical
   *   lines the row covers, default 1.
   */
  add(
    line: number,
    reason: RejectReason,
    detail: string,
    raw: string | Utf8Text,
    options: { rawBytes?: Uint8Array | undefined; lineCount?: number } = {},
  ): void {
    const lineCount = options.lineCount ?? 1;
    const row = copyRow([
      this.#runId,
      this.#sourceKey,
      line,
      lineCount,
      reason,
      cleanDetail(detail),
      typeof raw === "string" ? raw.replaceAll("\0", "\u2400") : raw,
      options.rawBytes === undefined ? null : `\\x${toHex(options.rawBytes)}`,
    ]);
    this.#queued.push(row);
    this.#queuedLength += row.length;
    this.count++;
    this.lines += lineCount;
    this.countsByReason.set(reason, (this.countsByReason.get(reason) ?? 0) + 1);
  }

  /** Sends queued rejects when enough have gathered. */
  async flushIfFull(): Promise<void> {
    if (this.#queuedLength >= 256 * 1024) await this.#flush();
  }

  /** Sends the remaining rejects and commits them; rejects added later go in a new COPY. */
  async close(): Promise<void> {
    await this.#flush();
    await this.#writer?.end();
    this.#writer = undefined;
  }

  async #flush() {
    if (this.#queued.length === 0) return;
    this.#writer ??= await CopyWriter.open(
      this.#sql,
      await sqlText("runs/copy_rejects"),
      this.#signal,
    );
    for (const row of this.#queued) this.#writer.queue(row);
    this.#queued = [];
    this.#queuedLength = 0;
    await this.#writer.flushIfFull();
  }
}

// A detail quotes the offending value: keep it short (raw holds the whole record) and without NUL,
// which PostgreSQL text cannot hold. A COPY that PostgreSQL rejects only at its end is never
// reported by postgres.js 3.4.9 (its stream neither finishes nor errors), so a NUL here hung the run.
const MAX_DETAIL_CHARS = 300;

function cleanDetail(detail: string): string {
  const clipped = detail.length > MAX_DETAIL_CHARS
    ? `${detail.slice(0, MAX_DETAIL_CHARS)}…`
    : detail;
  return clipped.replaceAll("\0", "\u2400");
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += 4096) {
    let chunk = "";
    for (const byte of bytes.subarray(at, at + 4096)) chunk += HEX[byte];
    parts.push(chunk);
  }
  return parts.join("");
}
