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
import { isUtf8 } from "node:buffer";
import { PipelineError } from "../errors.ts";

/**
 * One record, valid only during the callback: the scanner reuses this object and its arrays so that
 * millions of records cost no allocation.
 */
export interface CsvRecord {
  /** 1-based physical line on which the record starts (the header is line 1). */
  line: number;
  /** Physical lines the record covers, at least 1 (more when a quoted field holds line breaks). */
  lineCount: number;
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

/**
 * What the header says about the records after it, so that a runaway quote costs only the lines it
 * breaks.
 */
export interface RecordShape {
  /**
   * Fields a record has. A record that spans several lines and turns out malformed, or has another
   * number of fields, is cut to its first line, and scanning resumes at the next physical line.
   * 0: unknown (only broken quoting cuts a record).
   */
  fieldCount: number;
  /**
   * `lineBreaks[i] === 1` when quoted field `i` may hold a line break (free text). In any other
   * field a line break ends the record, which is then malformed. Undefined: every field may.
   */
  lineBreaks: Uint8Array | undefined;
}

/** Options of {@link CsvScanner}. */
export interface CsvScannerOptions {
  /** Shape of the records until {@link CsvScanner.reshape}; default any count, line breaks anywhere. */
  shape?: RecordShape;
}

/** Largest record the scanner holds while waiting for its end: bounds memory on a runaway quote. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const MAX_FIELDS = 4096;
const LONG_RECORD_BYTES = 1024 * 1024;
const MIN_BUFFER_BYTES = 64 * 1024;

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Streaming CSV scanner: feed byte chunks with `push`, then call `finish` once. */
export class CsvScanner {
  readonly #sourceKey: string;
  readonly #onRecord: (record: CsvRecord) => void;
  // Bytes of the record still open at the end of the last chunk, at the start of #buffer. One
  // buffer, grown and reused, so that a long record is copied once, not once per chunk: a 60 MB
  // field used to hold several copies of itself here.
  #buffer = new Uint8Array(0);
  #pending = 0;
  // Pending bytes when they were last scanned: a long open record is rescanned only when it has
  // doubled, so a 5 MB field costs a few passes, not one per 64 KB chunk.
  #scannedPending = 0;
  // Every byte handed to #scan, rescans included: what keeps a long record's cost linear.
  #bytesScanned = 0;
  #line = 1;
  #lines = 0;
  #blankLines = 0;
  #atStart = true;
  #shape: RecordShape;
  readonly #record: CsvRecord = {
    line: 0,
    lineCount: 0,
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
  constructor(
    sourceKey: string,
    onRecord: (record: CsvRecord) => void,
    options: CsvScannerOptions = {},
  ) {
    this.#sourceKey = sourceKey;
    this.#onRecord = onRecord;
    this.#shape = options.shape ?? { fieldCount: 0, lineBreaks: undefined };
  }

  /** Physical lines consumed so far (the line the next record starts on). */
  get line(): number {
    return this.#line;
  }

  /** Physical lines scanned so far, blank ones included; after `finish`, the object's line count. */
  get physicalLines(): number {
    return this.#lines;
  }

  /** Lines that held nothing (not even spaces) and so no record. */
  /** Bytes scanned so far, a long record's rescans counted each time. */
  get bytesScanned(): number {
    return this.#bytesScanned;
  }

  get blankLines(): number {
    return this.#blankLines;
  }

  /** Sets the shape of the records that follow; callable from `onRecord` (after the header). */
  reshape(shape: RecordShape): void {
    this.#shape = shape;
  }

  /**
   * Scans a chunk; a record split across chunks is completed by the next push.
   *
   * @throws {PipelineError} `CSV_RECORD_TOO_LARGE` when one record exceeds {@link MAX_RECORD_BYTES}.
   */
  push(chunk: Uint8Array): void {
    // An empty chunk changes nothing; skipping it keeps a BOM in the next chunk recognised.
    if (chunk.length === 0) return;
    let bytes: Uint8Array;
    if (this.#pending === 0) {
      bytes = chunk;
    } else {
      this.#append(chunk);
      if (
        this.#pending > LONG_RECORD_BYTES && this.#pending < 2 * this.#scannedPending &&
        this.#pending <= MAX_RECORD_BYTES
      ) {
        return;
      }
      bytes = this.#buffer.subarray(0, this.#pending);
    }
    let from = 0;
    if (this.#atStart) {
      if (bytes.length < 3 && bytes[0] === 0xef) {
        this.#keep(bytes, 0);
        return;
      }
      this.#atStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) from = 3;
    }
    this.#bytesScanned += bytes.length - from;
    const consumed = this.#scan(bytes, from, false);
    this.#keep(bytes, consumed);
    this.#scannedPending = this.#pending;
    if (this.#pending > MAX_RECORD_BYTES) {
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
    const bytes = this.#buffer.subarray(0, this.#pending);
    this.#bytesScanned += bytes.length;
    if (bytes.length > 0) this.#scan(bytes, 0, true);
    this.#pending = 0;
    this.#buffer = new Uint8Array(0);
  }

  // Appends a chunk after the pending bytes, growing the buffer when it is full: by doubling while
  // records are short, and for a record past 1 MiB straight to room for the largest record. Fresh
  // memory is zeroed lazily, so only the bytes written become resident, and no chain of outgrown
  // buffers (as large again as the record) waits for the garbage collector.
  #append(chunk: Uint8Array) {
    const needed = this.#pending + chunk.length;
    if (needed > this.#buffer.length) {
      const capacity = needed <= LONG_RECORD_BYTES
        ? Math.max(needed, 2 * this.#buffer.length, MIN_BUFFER_BYTES)
        : Math.max(needed, MAX_RECORD_BYTES + LONG_RECORD_BYTES);
      const grown = new Uint8Array(capacity);
      grown.set(this.#buffer.subarray(0, this.#pending));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#pending);
    this.#pending = needed;
  }

  // Keeps bytes[from..] as the pending bytes at the start of the buffer. `bytes` is either the
  // caller's chunk (copied: the caller may reuse it) or a view of the buffer (moved in place).
  #keep(bytes: Uint8Array, from: number) {
    const rest = bytes.length - from;
    if (bytes.buffer === this.#buffer.buffer) {
      if (from > 0) this.#buffer.copyWithin(0, from, bytes.length);
      this.#pending = rest;
      // After a long record, give the memory back rather than keep a record-sized buffer.
      if (this.#buffer.length > 4 * LONG_RECORD_BYTES && rest < this.#buffer.length / 8) {
        this.#buffer = this.#buffer.slice(0, Math.max(rest, MIN_BUFFER_BYTES));
      }
      return;
    }
    this.#pending = 0;
    if (rest > 0) this.#append(bytes.subarray(from));
  }

  // Returns the offset of the first byte not yet part of an emitted record.
  #scan(bytes: Uint8Array, from: number, final: boolean): number {
    const length = bytes.length;
    const record = this.#record;
    record.bytes = bytes;
    let position = from;
    while (position < length) {
      const recordStart = position;
      const lineBreaks = this.#shape.lineBreaks;
      let linesInside = 0;
      let fieldCount = 0;
      let malformed: string | undefined;
      // The first quoted field that ran over a line break: where it opened, and which it is.
      let spanLine = 0;
      let spanField = 0;
      let complete = false;
      let terminated = false;
      let i = position;
      for (;;) {
        let fieldStart = i;
        let fieldEnd: number;
        let escaped = 0;
        if (i < length && bytes[i] === QUOTE) {
          const fieldLine = this.#line + linesInside;
          fieldStart = ++i;
          let closed = false;
          let brokenAtLine = false;
          if (lineBreaks === undefined || lineBreaks[fieldCount] === 1) {
            const linesBefore = linesInside;
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
            if (linesInside > linesBefore && spanLine === 0) {
              spanLine = fieldLine;
              spanField = fieldCount + 1;
            }
          } else {
            // A field that cannot hold a line break: the quote closes on this line or not at all.
            while (i < length) {
              const byte = bytes[i]!;
              if (byte === QUOTE) {
                if (i + 1 >= length) {
                  if (final) {
                    i++;
                    closed = true;
                  }
                  break;
                }
                if (bytes[i + 1] === QUOTE) {
                  escaped = 1;
                  i += 2;
                  continue;
                }
                i++;
                closed = true;
                break;
              }
              if (byte === LF || byte === CR) {
                brokenAtLine = true;
                break;
              }
              i++;
            }
          }
          if (brokenAtLine) {
            malformed ??= `unterminated quoted field starting at line ${fieldLine}: field ${
              fieldCount + 1
            } cannot hold a line break, so the line ends the record`;
            fieldEnd = i;
          } else if (!closed) {
            if (!final) break;
            malformed ??= `unterminated quoted field starting at line ${fieldLine}`;
            fieldEnd = length;
            i = length;
          } else {
            fieldEnd = i - 1;
            if (i < length && bytes[i] !== COMMA && bytes[i] !== LF && bytes[i] !== CR) {
              malformed ??= `unexpected text after the closing quote of field ${fieldCount + 1}${
                linesInside > 0 ? ` on line ${this.#line + linesInside}` : ""
              }`;
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
        terminated = true;
        break;
      }
      if (!complete) return recordStart;
      const line = this.#line;
      if (linesInside > 0) {
        const expected = this.#shape.fieldCount;
        if (fieldCount > MAX_FIELDS) malformed ??= `more than ${MAX_FIELDS} fields`;
        else if (expected > 0 && fieldCount !== expected) {
          malformed ??= `expected ${expected} fields, found ${fieldCount}`;
        }
        if (malformed !== undefined) {
          position = this.#emitFirstLine(bytes, recordStart, fieldCount, final, {
            problem: malformed,
            spanLine,
            spanField,
            // A quote left open at the end of a file that ends with a line break: that break
            // ends the last line, it does not start another.
            lastLine: line + linesInside - (terminated || !isLineBreak(bytes[i - 1]) ? 0 : 1),
          });
          continue;
        }
      }
      let recordEnd = i;
      while (
        recordEnd > recordStart && (bytes[recordEnd - 1] === LF || bytes[recordEnd - 1] === CR)
      ) {
        recordEnd--;
      }
      this.#line += linesInside + (terminated ? 1 : 0);
      position = i;
      if (recordEnd === recordStart) {
        // A blank line holds no data.
        this.#lines++;
        this.#blankLines++;
        continue;
      }
      this.#lines += linesInside + 1;
      if (fieldCount > MAX_FIELDS) malformed ??= `more than ${MAX_FIELDS} fields`;
      record.line = line;
      record.lineCount = linesInside + 1;
      record.start = recordStart;
      record.end = recordEnd;
      record.fieldCount = fieldCount;
      record.malformed = malformed;
      this.#onRecord(record);
    }
    return position;
  }

  // A record that ran over line breaks and turned out malformed (a runaway quote, usually) is cut
  // to its first physical line, which is emitted as malformed; the lines after it are scanned again
  // as records of their own, so one broken quote costs one line. Returns where scanning resumes.
  #emitFirstLine(
    bytes: Uint8Array,
    recordStart: number,
    fieldCount: number,
    final: boolean,
    cause: { problem: string; spanLine: number; spanField: number; lastLine: number },
  ): number {
    const record = this.#record;
    let lineEnd = recordStart;
    while (bytes[lineEnd] !== LF && bytes[lineEnd] !== CR) lineEnd++;
    const next = lineEnd + (bytes[lineEnd] === CR && bytes[lineEnd + 1] === LF ? 2 : 1);
    let kept = 0;
    const stored = Math.min(fieldCount, MAX_FIELDS);
    while (kept < stored && record.fieldStarts[kept]! <= lineEnd) kept++;
    if (kept > 0 && record.fieldEnds[kept - 1]! > lineEnd) record.fieldEnds[kept - 1] = lineEnd;
    const line = this.#line;
    const nothingFollows = final && next >= bytes.length;
    record.malformed = nothingFollows
      ? cause.problem
      : `${cause.problem}; quoted field ${cause.spanField} opened on line ${cause.spanLine} ran on to line ${cause.lastLine}, so line ${line} ` +
        `is quarantined alone and scanning resumed at line ${line + 1}`;
    record.line = line;
    record.lineCount = 1;
    record.start = recordStart;
    record.end = lineEnd;
    record.fieldCount = kept;
    this.#line++;
    this.#lines++;
    this.#onRecord(record);
    return next;
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

function isLineBreak(byte: number | undefined): boolean {
  return byte === LF || byte === CR;
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

/**
 * Text left as UTF-8 bytes in the scanner's buffer instead of becoming a JavaScript string: how a
 * large field reaches COPY without UTF-16 copies of itself (a 60 MB synopsis used to cost 900 MB).
 * Valid only during the record callback, like the record.
 */
export interface Utf8Text {
  /** The text's bytes, a view of the record's buffer. */
  bytes: Uint8Array;
  /** True when each doubled quote `""` stands for one `"` (a quoted CSV field). */
  doubledQuotes: boolean;
}

/** Fields at least this large travel as {@link Utf8Text}; smaller ones are cheaper as strings. */
export const LARGE_FIELD_BYTES = 256 * 1024;

/** Field `index` of a record as {@link Utf8Text}; check it with {@link utf8Problem} first. */
export function fieldUtf8(record: CsvRecord, index: number): Utf8Text {
  return {
    bytes: record.bytes.subarray(record.fieldStarts[index], record.fieldEnds[index]),
    doubledQuotes: record.fieldEscaped[index] === 1,
  };
}

/** The record's raw bytes as {@link Utf8Text}, quotes as written. */
export function rawUtf8(record: CsvRecord): Utf8Text {
  return { bytes: record.bytes.subarray(record.start, record.end), doubledQuotes: false };
}

/**
 * Why bytes cannot be stored as PostgreSQL text; checked natively, without making a string of them.
 *
 * @returns `"invalid UTF-8"`, `"NUL"` (PostgreSQL text cannot hold it), or undefined when fine.
 */
export function utf8Problem(bytes: Uint8Array): "invalid UTF-8" | "NUL" | undefined {
  if (!isUtf8(bytes)) return "invalid UTF-8";
  return bytes.includes(0) ? "NUL" : undefined;
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
  return utf8Problem(record.bytes.subarray(record.start, record.end)) !== undefined;
}
