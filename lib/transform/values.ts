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

/** True for the source's spellings of "no value": empty, `Unknown` (any case), surrounding spaces. */
export function isMissing(text: string): boolean {
  const trimmed = text.length > 0 && (text[0] === " " || text.at(-1) === " ") ? text.trim() : text;
  // Length first: lower-casing every long text field was the slowest step of anime.csv.
  return trimmed.length === 0 || (trimmed.length === 7 && trimmed.toLowerCase() === "unknown");
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
  const trimmed = text.trim();
  if (isMissing(trimmed)) {
    return options.nullable
      ? { ok: true, value: null }
      : { ok: false, reason: "missing_value", problem: "a value is required" };
  }
  const digitsEnd = integerPartEnd(trimmed);
  if (digitsEnd < 0) {
    return { ok: false, reason: "invalid_value", problem: `"${clip(trimmed)}" is not an integer` };
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

/** A nullable score from 0 to 10 with at most two decimals, kept as text for `numeric(4,2)`. */
export function parseScore(text: string): Parsed<string | null> {
  const trimmed = text.trim();
  if (isMissing(trimmed)) return { ok: true, value: null };
  if (!/^\d+(?:\.\d+)?$/.test(trimmed)) {
    return { ok: false, reason: "invalid_value", problem: `"${clip(trimmed)}" is not a score` };
  }
  const value = Number(trimmed);
  if (value > 10) {
    return { ok: false, reason: "out_of_range", problem: `${trimmed} is outside 0..10` };
  }
  if (Math.round(value * 100) / 100 !== value) {
    return { ok: false, reason: "invalid_value", problem: `${trimmed} has more than two decimals` };
  }
  return { ok: true, value: trimmed };
}

/** Nullable text: `Unknown` and empty become null; other text is kept verbatim. */
export function parseText(text: string): Parsed<string | null> {
  return { ok: true, value: isMissing(text) ? null : text };
}

/** Required text: must not be empty. `Unknown` is kept, since it can be a real title. */
export function parseRequiredText(text: string): Parsed<string> {
  if (text.trim() === "") {
    return { ok: false, reason: "missing_value", problem: "a value is required" };
  }
  return { ok: true, value: text };
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
