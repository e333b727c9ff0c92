// Owns CSV tokenising: splits a byte stream into RFC 4180 records with their physical line numbers.
/**
 * @example Scan records from chunks that split a quoted field
 * ```ts
 * import assert from "node:assert/strict";
 * import { CsvScanner, fieldText } from "./csv_scanner.ts";
 * const lines: string[] = [];
 * const scanner = new CsvScanner("demo.csv", (record) => {
 *   lines.push(`${record.line}:${fieldText(record, 1)}`);
 * });
 * scanner.push(new TextEncoder().encode('id,text\n1,"a\nb'));
 * scanner.push(new TextEncoder().encode('"\n2,c\n'));
 * scanner.finish();
 * assert.ok(lines.join("|") === "1:text|2:a\nb|4:c");
 * ```
 */
import { PipelineError } from "../errors.ts";

/**
 * One record, valid only during the callback: the scanner reuses this object and its arrays so that
 * millions of records cost no allocation.
 */
export interface CsvRecord {
  /** 1-based physical line on which the record starts (the header is line 1). */
  line: number;
  /** Buffer holding the record; spans below index into it. */
  bytes: Uint8Array;
  /** Raw record span, without its line terminator. */
  start: number;
  end: number;
  /** Number of fields in the record. */
  fieldCount: number;
  /** Field spans; a quoted field's span excludes its outer quotes. */
  fieldStarts: Int32Array;
  fieldEnds: Int32Array;
  /** 1 where a quoted field holds doubled quotes that {@link fieldText} must undouble. */
  fieldEscaped: Uint8Array;
  /** Why the record is not well-formed CSV, or undefined. */
  malformed: string | undefined;
}

/** Largest record the scanner holds while waiting for its end: bounds memory on a runaway quote. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const MAX_FIELDS = 4096;
const LONG_RECORD_BYTES = 1024 * 1024;

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Streaming CSV scanner: feed byte chunks with `push`, then call `finish` once. */
export class CsvScanner {
  readonly #sourceKey: string;
  readonly #onRecord: (record: CsvRecord) => void;
  #carry: Uint8Array = new Uint8Array(0);
  // Chunks held back while a long record is open, so that it is rescanned only as often as it
  // doubles: a 5 MB field then costs a few passes, not one per 64 KB chunk.
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #line = 1;
  #atStart = true;
  readonly #record: CsvRecord = {
    line: 0,
    bytes: new Uint8Array(0),
    start: 0,
    end: 0,
    fieldCount: 0,
    fieldStarts: new Int32Array(64),
    fieldEnds: new Int32Array(64),
    fieldEscaped: new Uint8Array(64),
    malformed: undefined,
  };

  /**
   * @param sourceKey Named in errors.
   * @param onRecord Called synchronously for each record, header included.
   */
  constructor(sourceKey: string, onRecord: (record: CsvRecord) => void) {
    this.#sourceKey = sourceKey;
    this.#onRecord = onRecord;
  }

  /** Physical lines consumed so far (the line the next record starts on). */
  get line(): number {
    return this.#line;
  }

  /**
   * Scans a chunk; a record split across chunks is completed by the next push.
   *
   * @throws {PipelineError} `CSV_RECORD_TOO_LARGE` when one record exceeds {@link MAX_RECORD_BYTES}.
   */
  push(chunk: Uint8Array): void {
    // An empty chunk changes nothing; skipping it keeps a BOM in the next chunk recognised.
    if (chunk.length === 0) return;
    const pending = this.#carry.length + this.#heldBytes + chunk.length;
    if (
      this.#carry.length > LONG_RECORD_BYTES &&
      this.#heldBytes + chunk.length < this.#carry.length &&
      pending <= MAX_RECORD_BYTES
    ) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      return;
    }
    const bytes = this.#takeCarryWith(chunk);
    let from = 0;
    if (this.#atStart) {
      if (bytes.length < 3 && bytes.length > 0 && bytes[0] === 0xef) {
        this.#carry = bytes.slice();
        return;
      }
      this.#atStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) from = 3;
    }
    const consumed = this.#scan(bytes, from, false);
    this.#carry = bytes.slice(consumed);
    if (this.#carry.length > MAX_RECORD_BYTES) {
      throw new PipelineError(
        "CSV_RECORD_TOO_LARGE",
        `Cannot read record at line ${this.#line} of "${this.#sourceKey}": it exceeds ` +
          `${MAX_RECORD_BYTES / 1024 / 1024} MiB without ending (an unterminated quote?)`,
        { stage: "extract" },
      );
    }
  }

  /** Scans what is left after the last chunk: a last record without a newline, or an open quote. */
  finish(): void {
    const bytes = this.#takeCarryWith(new Uint8Array(0));
    this.#carry = new Uint8Array(0);
    if (bytes.length > 0) this.#scan(bytes, 0, true);
  }

  #takeCarryWith(chunk: Uint8Array): Uint8Array {
    if (this.#carry.length === 0 && this.#held.length === 0) return chunk;
    const parts = [this.#carry, ...this.#held, chunk];
    const bytes = new Uint8Array(this.#carry.length + this.#heldBytes + chunk.length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    this.#held = [];
    this.#heldBytes = 0;
    return bytes;
  }

  // Returns the offset of the first byte not yet part of an emitted record.
  #scan(bytes: Uint8Array, from: number, final: boolean): number {
    const length = bytes.length;
    const record = this.#record;
    record.bytes = bytes;
    let position = from;
    while (position < length) {
      const recordStart = position;
      let linesInside = 0;
      let fieldCount = 0;
      let malformed: string | undefined;
      let complete = false;
      let i = position;
      for (;;) {
        let fieldStart = i;
        let fieldEnd: number;
        let escaped = 0;
        if (i < length && bytes[i] === QUOTE) {
          const fieldLine = this.#line + linesInside;
          fieldStart = ++i;
          let closed = false;
          while (i < length) {
            const quote = bytes.indexOf(QUOTE, i);
            const stop = quote === -1 ? length : quote;
            linesInside += countLineBreaks(bytes, i, stop);
            if (quote === -1 || quote + 1 >= length) {
              i = stop;
              if (quote !== -1 && final) {
                i = quote + 1;
                closed = true;
              }
              break;
            }
            if (bytes[quote + 1] === QUOTE) {
              escaped = 1;
              i = quote + 2;
              continue;
            }
            i = quote + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (!final) break;
            malformed = `unterminated quoted field starting at line ${fieldLine}`;
            fieldEnd = length;
            i = length;
          } else {
            fieldEnd = i - 1;
            if (i < length && bytes[i] !== COMMA && bytes[i] !== LF && bytes[i] !== CR) {
              malformed ??= `unexpected text after the closing quote of field ${fieldCount + 1}`;
              while (i < length && bytes[i] !== COMMA && bytes[i] !== LF && bytes[i] !== CR) i++;
            }
          }
        } else {
          while (i < length) {
            const byte = bytes[i]!;
            if (byte === COMMA || byte === LF || byte === CR) break;
            i++;
          }
          fieldEnd = i;
        }
        this.#storeField(fieldCount++, fieldStart, fieldEnd, escaped);
        if (i >= length) {
          if (!final) break;
          complete = true;
          break;
        }
        const byte = bytes[i]!;
        if (byte === COMMA) {
          i++;
          continue;
        }
        if (byte === CR) {
          if (i + 1 >= length && !final) break;
          i += bytes[i + 1] === LF ? 2 : 1;
        } else {
          i++;
        }
        complete = true;
        break;
      }
      if (!complete) return recordStart;
      let recordEnd = i;
      while (
        recordEnd > recordStart && (bytes[recordEnd - 1] === LF || bytes[recordEnd - 1] === CR)
      ) {
        recordEnd--;
      }
      const line = this.#line;
      this.#line += linesInside + (i > recordEnd ? 1 : 0);
      position = i;
      if (recordEnd === recordStart) continue; // a blank line holds no data
      if (fieldCount > MAX_FIELDS) malformed ??= `more than ${MAX_FIELDS} fields`;
      record.line = line;
      record.start = recordStart;
      record.end = recordEnd;
      record.fieldCount = fieldCount;
      record.malformed = malformed;
      this.#onRecord(record);
    }
    return position;
  }

  #storeField(index: number, start: number, end: number, escaped: number) {
    const record = this.#record;
    if (index >= record.fieldStarts.length) {
      if (index >= MAX_FIELDS) return;
      const size = Math.min(record.fieldStarts.length * 2, MAX_FIELDS);
      record.fieldStarts = growInt32(record.fieldStarts, size);
      record.fieldEnds = growInt32(record.fieldEnds, size);
      const flags = new Uint8Array(size);
      flags.set(record.fieldEscaped);
      record.fieldEscaped = flags;
    }
    record.fieldStarts[index] = start;
    record.fieldEnds[index] = end;
    record.fieldEscaped[index] = escaped;
  }
}

function growInt32(array: Int32Array, size: number): Int32Array {
  const grown = new Int32Array(size);
  grown.set(array);
  return grown;
}

// Counts physical line breaks: LF, and CR not followed by LF (old Mac endings).
function countLineBreaks(bytes: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if (byte === LF) count++;
    else if (byte === CR && bytes[i + 1] !== LF) count++;
  }
  return count;
}

// ignoreBOM keeps a U+FEFF that starts a field: only the file's leading BOM is dropped, by the scanner.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes field `index` of a record as UTF-8, undoubling escaped quotes.
 *
 * @throws {TypeError} When the bytes are not valid UTF-8.
 */
export function fieldText(record: CsvRecord, index: number): string {
  const text = strictDecoder.decode(
    record.bytes.subarray(record.fieldStarts[index], record.fieldEnds[index]),
  );
  return record.fieldEscaped[index] === 1 ? text.replaceAll('""', '"') : text;
}

/**
 * Decodes the given fields of a record with one decoder call for the whole record, mapping each
 * field's byte span to its character span; a decoder call per field dominated the cost of the
 * 35-column anime.csv.
 *
 * @throws {TypeError} When the record is not valid UTF-8; `cause.index` names the first bad field.
 */
export function fieldTexts(record: CsvRecord, indexes: readonly number[]): string[] {
  const { bytes, start, end } = record;
  let text: string;
  try {
    text = strictDecoder.decode(bytes.subarray(start, end));
  } catch (error) {
    const bad = indexes.find((index) => {
      try {
        fieldText(record, index);
        return false;
      } catch {
        return true;
      }
    });
    throw new TypeError("field is not valid UTF-8", { cause: { index: bad, error } });
  }
  const texts = new Array<string>(indexes.length);
  if (text.length === end - start) {
    // Only ASCII decodes to one UTF-16 unit per byte, so byte offsets are text offsets.
    for (let i = 0; i < indexes.length; i++) {
      const index = indexes[i]!;
      const field = text.slice(
        record.fieldStarts[index]! - start,
        record.fieldEnds[index]! - start,
      );
      texts[i] = record.fieldEscaped[index] === 1 ? field.replaceAll('""', '"') : field;
    }
    return texts;
  }
  // Fields lie in record order, so ascending indexes (the loaders' case) need no sort.
  const order = isAscending(indexes) ? indexes.map((_, i) => i) : indexes.map((_, i) => i).sort(
    (a, b) => record.fieldStarts[indexes[a]!]! - record.fieldStarts[indexes[b]!]!,
  );
  // UTF-16 units before each byte: one per UTF-8 lead byte, two for 4-byte sequences.
  let byte = start;
  let unit = 0;
  const unitAt = (target: number) => {
    for (; byte < target; byte++) {
      const value = bytes[byte]!;
      if ((value & 0xc0) !== 0x80) unit += value >= 0xf0 ? 2 : 1;
    }
    return unit;
  };
  for (const i of order) {
    const index = indexes[i]!;
    const from = unitAt(record.fieldStarts[index]!);
    const to = unitAt(record.fieldEnds[index]!);
    const field = text.slice(from, to);
    texts[i] = record.fieldEscaped[index] === 1 ? field.replaceAll('""', '"') : field;
  }
  return texts;
}

function isAscending(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i]! <= values[i - 1]!) return false;
  return true;
}

const lenientDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The record's raw text for quarantine: invalid UTF-8 becomes U+FFFD and NUL becomes U+2400. */
export function rawText(record: CsvRecord): string {
  return lenientDecoder.decode(record.bytes.subarray(record.start, record.end)).replaceAll(
    "\0",
    "\u2400",
  );
}

/** True when the raw text of {@link rawText} differs from the bytes (so the bytes are kept too). */
export function rawIsLossy(record: CsvRecord): boolean {
  const span = record.bytes.subarray(record.start, record.end);
  if (span.includes(0)) return true;
  try {
    strictDecoder.decode(span);
    return false;
  } catch {
    return true;
  }
}
