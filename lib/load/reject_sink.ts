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
import { type CsvRecord, rawIsLossy, rawText } from "../extract/csv_scanner.ts";
import type { RejectReason } from "../transform/values.ts";
import { copyTextRow, CopyWriter } from "./copy_writer.ts";
import { sqlText } from "./sql_files.ts";

/**
 * Rejects of one source file. They are written outside the load's transaction so that a failed run
 * (for instance one over the reject threshold) still shows which rows were wrong and why.
 */
export class RejectSink {
  readonly #sql: Sql;
  readonly #runId: number;
  readonly #sourceKey: string;
  #writer: CopyWriter | undefined;
  #queued: string[] = [];
  #queuedLength = 0;
  /** Rejected rows so far, by reason. */
  readonly countsByReason = new Map<RejectReason, number>();
  /** Rejected rows so far. */
  count = 0;

  constructor(sql: Sql, runId: number, sourceKey: string) {
    this.#sql = sql;
    this.#runId = runId;
    this.#sourceKey = sourceKey;
  }

  /** Quarantines a scanned record with its raw text (and bytes, when the text could not hold them). */
  addRecord(record: CsvRecord, reason: RejectReason, detail: string): void {
    const bytes = rawIsLossy(record) ? record.bytes.subarray(record.start, record.end) : undefined;
    this.add(record.line, reason, detail, rawText(record), bytes);
  }

  /** Quarantines a row given its line and raw text. */
  add(
    line: number,
    reason: RejectReason,
    detail: string,
    raw: string,
    rawBytes?: Uint8Array,
  ): void {
    const hex = rawBytes === undefined ? null : `\\x${toHex(rawBytes)}`;
    const row = copyTextRow([
      this.#runId,
      this.#sourceKey,
      line,
      reason,
      cleanDetail(detail),
      raw.replaceAll("\0", "\u2400"),
      hex,
    ]);
    this.#queued.push(row);
    this.#queuedLength += row.length;
    this.count++;
    this.countsByReason.set(reason, (this.countsByReason.get(reason) ?? 0) + 1);
  }

  /** Sends queued rejects when enough have gathered. */
  async flushIfFull(): Promise<void> {
    if (this.#queuedLength >= 256 * 1024) await this.#flush();
  }

  /** Sends the remaining rejects and commits them. */
  async close(): Promise<void> {
    await this.#flush();
    await this.#writer?.end();
    this.#writer = undefined;
  }

  async #flush() {
    if (this.#queued.length === 0) return;
    this.#writer ??= await CopyWriter.open(this.#sql, await sqlText("runs/copy_rejects"));
    for (const row of this.#queued) this.#writer.queueText(row);
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

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
