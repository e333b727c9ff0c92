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
import type { BuiltRow } from "../load/load_rows.ts";
import { parseInteger, parseText } from "./values.ts";

/** Columns read; Name, Score and Genres repeat anime.csv and are recorded as ignored. */
export const SYNOPSIS_COLUMNS = ["MAL_ID", "sypnopsis"] as const;

/** Cleans one row into `anime_synopsis (mal_id, synopsis)` values keyed by MAL_ID. */
export function buildSynopsisRow(get: (name: string) => string): BuiltRow {
  const malId = parseInteger(get("MAL_ID"), { min: 1 });
  if (!malId.ok) {
    return { ok: false, reason: malId.reason, detail: `column "MAL_ID": ${malId.problem}` };
  }
  const synopsis = parseText(get("sypnopsis"));
  return {
    ok: true,
    key: malId.value!,
    values: [malId.value, synopsis.ok ? synopsis.value : null],
  };
}
