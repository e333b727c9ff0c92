// Owns the cleaning of one anime_with_synopsis.csv row: the id and the synopsis (column "sypnopsis").
/**
 * @example An empty synopsis becomes null
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildSynopsisRow } from "./synopsis_row.ts";
 * const row = buildSynopsisRow((name) => (name === "MAL_ID" ? "5" : ""));
 * assert.ok(row.ok && row.values[1] === null);
 * ```
 */
import type { BuiltRow } from "./built_row.ts";
import { parseInteger, parseText, type TextValue } from "./values.ts";

/** Columns read; Name, Score and Genres repeat anime.csv and are recorded as ignored. */
export const SYNOPSIS_COLUMNS = ["MAL_ID", "sypnopsis"] as const;

/** Columns of anime_with_synopsis.csv that hold numbers: a line break inside one ends the record. */
export const SYNOPSIS_NUMBER_COLUMNS = ["MAL_ID", "Score"] as const;

/**
 * Cleans one row into `anime_synopsis (mal_id, synopsis)` values keyed by MAL_ID.
 *
 * @param get Returns the text of a named source column.
 * @param text Returns the synopsis, which may be a large field's UTF-8 bytes; default `get`.
 */
export function buildSynopsisRow(
  get: (name: string) => string,
  text: (name: string) => TextValue = get,
): BuiltRow {
  const malId = parseInteger(get("MAL_ID"), { min: 1 });
  if (!malId.ok) {
    return { ok: false, reason: malId.reason, detail: `column "MAL_ID": ${malId.problem}` };
  }
  const synopsis = parseText(text("sypnopsis"));
  return {
    ok: true,
    key: malId.value!,
    values: [malId.value, synopsis.ok ? synopsis.value : null],
  };
}
