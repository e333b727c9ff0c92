// Owns the cleaning rules for single values: Unknown/empty → NULL, float-formatted integers, ranges.
/**
 * @example Clean values the way every loader does
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCount, parseScore, splitList } from "./values.ts";
 * assert.ok(JSON.stringify(parseCount("229170.0")) === '{"ok":true,"value":229170}');
 * assert.ok(JSON.stringify(parseScore("Unknown")) === '{"ok":true,"value":null}');
 * assert.ok(splitList("Action, Adventure ,Comedy").join("|") === "Action|Adventure|Comedy");
 * ```
 */
import type { Utf8Text } from "../extract/csv_scanner.ts";

/** Stable reasons for quarantining a row; stored in `etl.rejects.reason`. */
export type RejectReason =
  | "malformed_csv"
  | "invalid_encoding"
  | "invalid_value"
  | "out_of_range"
  | "missing_value"
  | "unknown_watching_status"
  | "unknown_anime_id"
  | "duplicate_key";

/** A cleaned value, or why it cannot be loaded. */
export type Parsed<T> = { ok: true; value: T } | {
  ok: false;
  reason: RejectReason;
  problem: string;
};

const INT4_MAX = 2147483647;
const INT4_MIN = -2147483648;

/** Text of a free-text column: a string, or a large field left as UTF-8 bytes. */
export type TextValue = string | Utf8Text;

/** True for the source's spellings of "no value": empty, `Unknown` (any case), surrounding spaces. */
export function isMissing(text: string): boolean {
  const trimmed = text.length > 0 && (text[0] === " " || text.at(-1) === " ")
    ? trimSpaces(text)
    : text;
  // Length first: lower-casing every long text field was the slowest step of anime.csv.
  return trimmed.length === 0 || (trimmed.length === 7 && trimmed.toLowerCase() === "unknown");
}

/**
 * Removes the spaces around a value: the only padding a number may have. A tab or another
 * character makes the value invalid instead of being trimmed away unseen.
 */
export function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * A value as a problem quotes it: exactly, with tabs and other control characters escaped (JSON
 * string syntax) and long text clipped.
 */
export function quoteValue(text: string): string {
  return JSON.stringify(clip(text));
}

/**
 * Parses an integer that may be written as a float with a zero fraction (`229170.0`), as pandas
 * writes integer columns that contain missing values.
 *
 * @param text Source text.
 * @param options `nullable`: missing becomes null (else `missing_value`); `min`/`max`: inclusive range
 *   (default int4), outside it → `out_of_range`.
 */
export function parseInteger(
  text: string,
  options: { nullable?: boolean; min?: number; max?: number } = {},
): Parsed<number | null> {
  const trimmed = trimSpaces(text);
  if (isMissing(trimmed)) {
    return options.nullable
      ? { ok: true, value: null }
      : { ok: false, reason: "missing_value", problem: "a value is required" };
  }
  const digitsEnd = integerPartEnd(trimmed);
  if (digitsEnd < 0) {
    return { ok: false, reason: "invalid_value", problem: `${quoteValue(text)} is not an integer` };
  }
  const digits = trimmed.slice(0, digitsEnd);
  const value = Number(digits);
  const min = options.min ?? INT4_MIN;
  const max = options.max ?? INT4_MAX;
  if (value < min || value > max) {
    return { ok: false, reason: "out_of_range", problem: `${digits} is outside ${min}..${max}` };
  }
  return { ok: true, value };
}

// Where the integer part of `[+-]digits[.0…]` ends, or -1 when the text has another shape. A loop,
// not a regular expression: anime.csv has 20 integer columns per row.
function integerPartEnd(text: string): number {
  let i = text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45 ? 1 : 0;
  const firstDigit = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i === firstDigit) return -1;
  const end = i;
  if (i < text.length) {
    if (text.charCodeAt(i) !== 46) return -1;
    for (i++; i < text.length; i++) if (text.charCodeAt(i) !== 48) return -1;
  }
  return end;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** A non-negative nullable integer count (members, Score-N votes). */
export function parseCount(text: string): Parsed<number | null> {
  return parseInteger(text, { nullable: true, min: 0 });
}

/**
 * A nullable score from 0 to 10 with at most two decimals, kept as text for `numeric(4,2)`. The
 * decimals are judged on the text, not on a float: `8.1299999999999999` has sixteen, though as a
 * float it equals 8.13; zeros after the second (`8.130`) change nothing and are accepted.
 */
export function parseScore(text: string): Parsed<string | null> {
  const trimmed = trimSpaces(text);
  if (isMissing(trimmed)) return { ok: true, value: null };
  if (!/^\d+(?:\.\d+)?$/.test(trimmed)) {
    return { ok: false, reason: "invalid_value", problem: `${quoteValue(text)} is not a score` };
  }
  if (Number(trimmed) > 10) {
    return { ok: false, reason: "out_of_range", problem: `${trimmed} is outside 0..10` };
  }
  const point = trimmed.indexOf(".");
  if (point >= 0 && /[1-9]/.test(trimmed.slice(point + 3))) {
    return { ok: false, reason: "invalid_value", problem: `${trimmed} has more than two decimals` };
  }
  return { ok: true, value: trimmed };
}

/** Nullable text: `Unknown` and empty become null; other text is kept verbatim. */
export function parseText<T extends TextValue>(value: T): Parsed<T | null> {
  if (typeof value !== "string") return { ok: true, value: isBlank(value.bytes) ? null : value };
  return { ok: true, value: isMissing(value) ? null : value };
}

/** Required text: must not be empty. `Unknown` is kept, since it can be a real title. */
export function parseRequiredText<T extends TextValue>(value: T): Parsed<T> {
  if (typeof value === "string" ? value.trim() === "" : isBlank(value.bytes)) {
    return { ok: false, reason: "missing_value", problem: "a value is required" };
  }
  return { ok: true, value };
}

// A large field is missing only when it holds nothing but white space (`Unknown` is short).
function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 32 && (byte < 9 || byte > 13)) return false;
  return true;
}

/**
 * Splits a comma-separated list (`"Action, Adventure"`) into trimmed, distinct, non-empty items.
 * Without the trim, " Adventure" and "Adventure" count as two genres.
 */
export function splitList(text: string): string[] {
  if (isMissing(text)) return [];
  return [...new Set(text.split(",").map((item) => item.trim()).filter((item) => item !== ""))];
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
