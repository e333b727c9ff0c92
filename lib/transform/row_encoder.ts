// Owns the fast path of the dimension files: cleaning a record of the common shape and writing its
// COPY text rows straight from the record's bytes, with no string or object per field.
/**
 * @example Encode one anime_with_synopsis.csv record, or leave it to the row builder
 * ```ts ignore
 * import { RowEncoder } from "./row_encoder.ts";
 * const encoder = new RowEncoder(header, {
 *   columns: [{ source: "MAL_ID", shape: "id" }, { source: "sypnopsis", shape: "text" }],
 *   key: "MAL_ID",
 *   tables: [["MAL_ID", "sypnopsis"]],
 * });
 * const key = encoder.prepare(record); // undefined: buildRow decides
 * if (key !== undefined) encoder.write(record, [held]);
 * ```
 */
import { isUtf8 } from "node:buffer";
import { type CsvRecord, LARGE_FIELD_BYTES } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import { writeCopyText } from "./copy_text_row.ts";

/**
 * How a column's value is cleaned, by the rules of lib/transform/values.ts: `id` (parseInteger,
 * required, at least 1), `count` (parseCount), `score` (parseScore), `text` (parseText),
 * `required_text` (parseRequiredText).
 */
export type ValueShape = "id" | "count" | "score" | "text" | "required_text";

/** Where encoded rows go, written in place (lib/load/held_copy_rows.ts). */
export interface RowSink {
  /** The buffer to write the next row into, from {@link end}, with room for `bytes` more bytes. */
  room(bytes: number): Uint8Array;
  /** Where the next row starts in the buffer {@link room} returned. */
  readonly end: number;
  /** Ends a row written into that buffer, at `end`. */
  commit(end: number): void;
}

/** What a file's rows are made of, for {@link RowEncoder}. */
export interface RowEncoding {
  /** Every column the file's row builder reads, with its rule. */
  columns: readonly { source: string; shape: ValueShape }[];
  /** The column holding the row's key, of shape `id`. */
  key: string;
  /**
   * The rows of one record for each table, in order: the values of the named columns as one row,
   * or, for `listOf`, a (key, item) row per distinct trimmed non-empty item of a comma-separated
   * text column (values.splitList).
   */
  tables: readonly (readonly string[] | { listOf: string })[];
}

const ID = 0;
const COUNT = 1;
const SCORE = 2;
const TEXT = 3;
const REQUIRED_TEXT = 4;
const SHAPE_CODES: Record<ValueShape, number> = {
  id: ID,
  count: COUNT,
  score: SCORE,
  text: TEXT,
  required_text: REQUIRED_TEXT,
};

// Outcomes of reading an integer, outside the int4 range so no allocation is needed.
const MISSING = -1;
const DECLINED = -2;
const INT4_MAX = 2147483647;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const COMMA = 44;
const POINT = 46;
const BACKSLASH = 92;

type Table = { slots: Int32Array; listSlot: -1 } | { slots: Int32Array; listSlot: number };

/**
 * Cleans records and writes their COPY text rows from the bytes. It handles the shapes nearly every
 * row has (digits, `.0` floats, `Unknown`, text without NUL, valid UTF-8) and declines any other
 * record, which the row builder then cleans or quarantines with its reason: whenever
 * {@link prepare} returns a key, the rows written are byte for byte those of the row builder and
 * `copyRow` (tests/row_encoder_test.ts compares them). anime.csv's cleaning through strings cost
 * about 75 µs a row (docs/performance.md, Round 27).
 */
export class RowEncoder {
  readonly #fieldCount: number;
  readonly #fields: Int32Array;
  readonly #shapes: Uint8Array;
  readonly #keySlot: number;
  readonly #tables: Table[];
  // The prepared record: per column, its integer (numbers) or 1 when NULL (text), and for a score
  // the span of its trimmed text.
  readonly #integers: Int32Array;
  readonly #nulls: Uint8Array;
  readonly #scoreStarts: Int32Array;
  readonly #scoreEnds: Int32Array;
  #itemStarts = new Int32Array(16);
  #itemEnds = new Int32Array(16);

  /**
   * @param header The file's mapped header (every column of `encoding` among its required ones).
   * @throws {Error} When `encoding` names a column it does not list, or a key that is not an `id`.
   */
  constructor(header: HeaderMap, encoding: RowEncoding) {
    const slotOf = (source: string) => {
      const slot = encoding.columns.findIndex((column) => column.source === source);
      if (slot < 0) throw new Error(`the row encoding has no column ${source}`);
      return slot;
    };
    this.#fieldCount = header.fieldCount;
    this.#fields = Int32Array.from(encoding.columns, ({ source }) => {
      const field = header.index.get(source);
      if (field === undefined) throw new Error(`the header has no column ${source}`);
      return field;
    });
    this.#shapes = Uint8Array.from(encoding.columns, ({ shape }) => SHAPE_CODES[shape]);
    this.#keySlot = slotOf(encoding.key);
    if (this.#shapes[this.#keySlot] !== ID) throw new Error(`the key ${encoding.key} is no id`);
    this.#tables = encoding.tables.map((table) =>
      "listOf" in table
        ? { slots: new Int32Array(0), listSlot: slotOf(table.listOf) }
        : { slots: Int32Array.from(table, slotOf), listSlot: -1 }
    );
    for (const { listSlot } of this.#tables) {
      if (listSlot >= 0 && this.#shapes[listSlot] !== TEXT) throw new Error("a list is no text");
    }
    const columns = encoding.columns.length;
    this.#integers = new Int32Array(columns);
    this.#nulls = new Uint8Array(columns);
    this.#scoreStarts = new Int32Array(columns);
    this.#scoreEnds = new Int32Array(columns);
  }

  /**
   * Cleans a record when every value it needs has a shape the encoder handles.
   *
   * @returns The record's key, its rows then ready for {@link write}; undefined to leave the record
   *   to the row builder.
   */
  prepare(record: CsvRecord): number | undefined {
    if (record.malformed !== undefined || record.fieldCount !== this.#fieldCount) return undefined;
    const { bytes, start, end } = record;
    // A large field stays bytes in the row builder's rows (record_fields.ts): not this path's case.
    if (end - start >= LARGE_FIELD_BYTES) return undefined;
    let high = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === 0) return undefined;
      high |= byte;
    }
    if (high >= 0x80 && !isUtf8(bytes.subarray(start, end))) return undefined;
    const fields = this.#fields;
    const shapes = this.#shapes;
    for (let slot = 0; slot < fields.length; slot++) {
      const field = fields[slot]!;
      let from = record.fieldStarts[field]!;
      let to = record.fieldEnds[field]!;
      const escaped = record.fieldEscaped[field] === 1;
      const shape = shapes[slot]!;
      if (shape === TEXT) {
        // An escaped field holds a quote, so it is never missing.
        this.#nulls[slot] = !escaped && isMissingSpan(bytes, from, to) ? 1 : 0;
        continue;
      }
      if (shape === REQUIRED_TEXT) {
        if (!hasVisibleCharacter(bytes, from, to)) return undefined;
        continue;
      }
      if (escaped) return undefined;
      while (from < to && bytes[from] === SPACE) from++;
      while (to > from && bytes[to - 1] === SPACE) to--;
      if (shape === SCORE) {
        if (isMissingSpan(bytes, from, to)) {
          this.#nulls[slot] = 1;
          continue;
        }
        if (!isPlainScore(bytes, from, to)) return undefined;
        this.#nulls[slot] = 0;
        this.#scoreStarts[slot] = from;
        this.#scoreEnds[slot] = to;
        continue;
      }
      const value = integerAt(bytes, from, to);
      if (value === DECLINED || (shape === ID && value < 1)) return undefined;
      this.#integers[slot] = value;
      this.#nulls[slot] = value === MISSING ? 1 : 0;
    }
    for (const { listSlot } of this.#tables) {
      if (listSlot < 0 || this.#nulls[listSlot] === 1) continue;
      const field = fields[listSlot]!;
      // JavaScript's trim also removes non-ASCII spaces, and quotes would need undoubling first.
      if (record.fieldEscaped[field] === 1) return undefined;
      for (let i = record.fieldStarts[field]!; i < record.fieldEnds[field]!; i++) {
        if (bytes[i]! >= 0x80) return undefined;
      }
    }
    return this.#integers[this.#keySlot];
  }

  /**
   * Writes the rows of the record {@link prepare} returned a key for, one sink per table.
   *
   * @param record The record just prepared (valid during the scanner's callback only).
   * @param sinks One per table of the encoding, in its order.
   */
  write(record: CsvRecord, sinks: readonly RowSink[]): void {
    const tables = this.#tables;
    for (let t = 0; t < tables.length; t++) {
      const table = tables[t]!;
      if (table.listSlot >= 0) this.#writeList(record, table.listSlot, sinks[t]!);
      else this.#writeRow(record, table.slots, sinks[t]!);
    }
  }

  #writeRow(record: CsvRecord, slots: Int32Array, sink: RowSink): void {
    const bytes = record.bytes;
    // Escaping at most doubles a field, NULL is two bytes, and a separator follows each value.
    const out = sink.room(2 * (record.end - record.start) + 3 * slots.length);
    let at = sink.end;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k]!;
      if (k > 0) out[at++] = TAB;
      const shape = this.#shapes[slot]!;
      if (shape !== REQUIRED_TEXT && this.#nulls[slot] === 1) {
        out[at++] = BACKSLASH;
        out[at++] = 78; // N
      } else if (shape === ID || shape === COUNT) {
        at = writeInteger(this.#integers[slot]!, out, at);
      } else if (shape === SCORE) {
        for (let i = this.#scoreStarts[slot]!; i < this.#scoreEnds[slot]!; i++) {
          out[at++] = bytes[i]!;
        }
      } else {
        const field = this.#fields[slot]!;
        at = writeCopyText(
          bytes,
          record.fieldStarts[field]!,
          record.fieldEnds[field]!,
          record.fieldEscaped[field] === 1,
          out,
          at,
        );
      }
    }
    out[at++] = LF;
    sink.commit(at);
  }

  // One (key, item) row per distinct item, in their first order: values.splitList on ASCII text.
  #writeList(record: CsvRecord, slot: number, sink: RowSink): void {
    if (this.#nulls[slot] === 1) return;
    const bytes = record.bytes;
    const field = this.#fields[slot]!;
    const fieldEnd = record.fieldEnds[field]!;
    const key = this.#integers[this.#keySlot]!;
    let items = 0;
    let from = record.fieldStarts[field]!;
    while (from <= fieldEnd) {
      let comma = from;
      while (comma < fieldEnd && bytes[comma] !== COMMA) comma++;
      let start = from;
      let end = comma;
      while (start < end && isAsciiSpace(bytes[start]!)) start++;
      while (end > start && isAsciiSpace(bytes[end - 1]!)) end--;
      from = comma + 1;
      if (start === end || this.#seen(bytes, start, end, items)) continue;
      if (items === this.#itemStarts.length) {
        this.#itemStarts = grow(this.#itemStarts);
        this.#itemEnds = grow(this.#itemEnds);
      }
      this.#itemStarts[items] = start;
      this.#itemEnds[items++] = end;
      const out = sink.room(2 * (end - start) + 13);
      let at = writeInteger(key, out, sink.end);
      out[at++] = TAB;
      at = writeCopyText(bytes, start, end, false, out, at);
      out[at++] = LF;
      sink.commit(at);
    }
  }

  #seen(bytes: Uint8Array, start: number, end: number, items: number): boolean {
    for (let k = 0; k < items; k++) {
      const other = this.#itemStarts[k]!;
      if (this.#itemEnds[k]! - other !== end - start) continue;
      let same = true;
      for (let i = 0; i < end - start && same; i++) same = bytes[start + i] === bytes[other + i];
      if (same) return true;
    }
    return false;
  }
}

// An integer of the shape `digits[.0…]` (spaces already trimmed), MISSING for values.isMissing's
// spellings, DECLINED for any other shape (a sign, other text) or a value past int4.
function integerAt(bytes: Uint8Array, from: number, to: number): number {
  if (isMissingSpan(bytes, from, to)) return MISSING;
  let value = 0;
  let i = from;
  for (; i < to; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    if (value > INT4_MAX) return DECLINED;
  }
  if (i === from) return DECLINED;
  if (i < to) {
    if (bytes[i] !== POINT) return DECLINED;
    for (i++; i < to; i++) if (bytes[i] !== 48) return DECLINED;
  }
  return value;
}

// A score values.parseScore keeps as it is: `digits[.digits]` from 0 to 10, nothing but zeros after
// the second decimal (spaces already trimmed).
function isPlainScore(bytes: Uint8Array, from: number, to: number): boolean {
  let whole = 0;
  let i = from;
  for (; i < to && isDigit(bytes[i]!); i++) {
    whole = whole * 10 + bytes[i]! - 48;
    if (whole > 10) return false;
  }
  if (i === from) return false;
  if (i === to) return true;
  if (bytes[i] !== POINT || i + 1 === to) return false;
  const point = i;
  for (i++; i < to; i++) {
    const byte = bytes[i]!;
    if (!isDigit(byte)) return false;
    // Past 10, or a third decimal: parseScore refuses it.
    if (byte !== 48 && (whole === 10 || i - point > 2)) return false;
  }
  return true;
}

/**
 * values.isMissing on a field's bytes: empty or `unknown` in any case once surrounding spaces are
 * trimmed. Lower-casing maps one character outside ASCII to a letter of `unknown`: the Kelvin sign
 * (U+212A, `E2 84 AA`) to `k`.
 */
export function isMissingSpan(bytes: Uint8Array, from: number, to: number): boolean {
  while (from < to && bytes[from] === SPACE) from++;
  while (to > from && bytes[to - 1] === SPACE) to--;
  const length = to - from;
  if (length === 0) return true;
  if (length !== 7 && length !== 9) return false;
  if ((bytes[from]! | 0x20) !== 117 || (bytes[from + 1]! | 0x20) !== 110) return false; // un
  let k = from + 2;
  if (length === 9) {
    if (bytes[k] !== 0xe2 || bytes[k + 1] !== 0x84 || bytes[k + 2] !== 0xaa) return false;
    k += 3;
  } else if ((bytes[k++]! | 0x20) !== 107) return false; // k
  return (bytes[k]! | 0x20) === 110 && (bytes[k + 1]! | 0x20) === 111 && // no
    (bytes[k + 2]! | 0x20) === 119 && (bytes[k + 3]! | 0x20) === 110; // wn
}

/**
 * Whether a field holds a character JavaScript's `trim` keeps (parseRequiredText): any visible
 * ASCII character, or a multi-byte one whose lead byte no white space of `trim` starts with
 * (`C2` NBSP, `E1` U+1680, `E2` U+2000-U+205F, `E3` U+3000, `EF` U+FEFF). Conservative: a text
 * of those lead bytes alone is left to the row builder.
 */
export function hasVisibleCharacter(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte > SPACE && byte < 0x7f) return true;
    if (byte >= 0xc3 && byte !== 0xe1 && byte !== 0xe2 && byte !== 0xe3 && byte !== 0xef) {
      return true;
    }
  }
  return false;
}

// A non-negative int4's decimal digits, as String(value) writes them; integer arithmetic only.
function writeInteger(value: number, out: Uint8Array, at: number): number {
  let rest = value | 0;
  let end = at + 1;
  for (let power = 10; power <= rest && end - at < 10; power *= 10) end++;
  for (let k = end - 1; k >= at; k--) {
    const quotient = (rest / 10) | 0;
    out[k] = 48 + rest - quotient * 10;
    rest = quotient;
  }
  return end;
}

function isDigit(byte: number): boolean {
  return byte >= 48 && byte <= 57;
}

// The white space String.prototype.trim removes within ASCII: tab, LF, VT, FF, CR and space.
function isAsciiSpace(byte: number): boolean {
  return byte === SPACE || (byte >= TAB && byte <= CR);
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}
