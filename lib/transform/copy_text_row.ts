// Owns encoding one row in COPY text format (tab-separated, `\N`, backslash escapes), as a string or,
// for large fields still in the scanner's buffer, straight from their bytes.
/**
 * @example A row with a tab and a null
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyRow } from "./copy_text_row.ts";
 * assert.equal(copyRow([1, "tab\there", null]), "1\ttab\\there\t\\N\n");
 * ```
 */
import type { Utf8Text } from "../extract/csv_scanner.ts";

/** A value of a COPY row: text, a number, NULL, or UTF-8 text still in the scanner's buffer. */
export type CopyValue = string | number | null | Utf8Text;

const encoder = new TextEncoder();

// Joined, not concatenated: `+=` leaves a chain of string pieces, a heap object per piece, that
// stays unflattened while the row waits in a queue (a delta's events, the rejects); join makes
// one flat string.
/** One row in COPY text format: tab-separated, `\N` for null, backslash escapes. */
function copyTextRow(values: readonly (string | number | null)[]): string {
  const fields = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) fields[i] = "\\N";
    else if (typeof value === "number") fields[i] = String(value);
    else fields[i] = escapeCopyText(value);
  }
  if (fields.length === 0) return "\n";
  fields[fields.length - 1] += "\n";
  return fields.join("\t");
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
  return writeCopyText(bytes, 0, bytes.length, doubledQuotes, out, at);
}

/**
 * Writes `bytes[from..to)` as COPY text: quotes undoubled when the field had doubled ones,
 * backslash, tab, LF and CR escaped. `out` must have room for twice the range.
 *
 * @returns The offset in `out` after the written text.
 */
export function writeCopyText(
  bytes: Uint8Array,
  from: number,
  to: number,
  doubledQuotes: boolean,
  out: Uint8Array,
  at: number,
): number {
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte > BACKSLASH || (byte > CR && byte !== QUOTE && byte !== BACKSLASH)) {
      out[at++] = byte;
    } else if (byte === BACKSLASH) {
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
