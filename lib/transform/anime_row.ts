// Owns the cleaning of one anime.csv row into the columns of the anime staging table.
/**
 * @example Clean a row with Unknown values
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANIME_COLUMNS, buildAnimeRow } from "./anime_row.ts";
 * const source: Record<string, string> = Object.fromEntries(ANIME_COLUMNS.map((c) => [c.source, "Unknown"]));
 * Object.assign(source, { MAL_ID: "1", Name: "Cowboy Bebop", Genres: "Action, Space", "Score-10": "229170.0" });
 * const row = buildAnimeRow((name) => source[name] ?? "");
 * assert.ok(row.ok && row.values[2] === null && row.values.at(-1) === "Action\x1fSpace");
 * ```
 */
import type { BuiltRow } from "../load/load_rows.ts";
import {
  parseCount,
  type Parsed,
  parseInteger,
  parseRequiredText,
  parseScore,
  parseText,
  splitList,
} from "./values.ts";

type Rule = (text: string) => Parsed<string | number | null>;

const id: Rule = (text) => parseInteger(text, { min: 1 });
const rank: Rule = (text) => parseInteger(text, { nullable: true, min: 0 });

/** anime.csv columns in staging-table order: source header → rule (see sql/load/anime_source_table.sql). */
export const ANIME_COLUMNS: readonly { source: string; rule: Rule }[] = [
  { source: "MAL_ID", rule: id },
  { source: "Name", rule: parseRequiredText },
  { source: "Score", rule: parseScore },
  { source: "Genres", rule: parseText },
  { source: "English name", rule: parseText },
  { source: "Japanese name", rule: parseText },
  { source: "Type", rule: parseText },
  { source: "Episodes", rule: parseCount },
  { source: "Aired", rule: parseText },
  { source: "Premiered", rule: parseText },
  { source: "Producers", rule: parseText },
  { source: "Licensors", rule: parseText },
  { source: "Studios", rule: parseText },
  { source: "Source", rule: parseText },
  { source: "Duration", rule: parseText },
  { source: "Rating", rule: parseText },
  { source: "Ranked", rule: rank },
  { source: "Popularity", rule: rank },
  { source: "Members", rule: parseCount },
  { source: "Favorites", rule: parseCount },
  { source: "Watching", rule: parseCount },
  { source: "Completed", rule: parseCount },
  { source: "On-Hold", rule: parseCount },
  { source: "Dropped", rule: parseCount },
  { source: "Plan to Watch", rule: parseCount },
  ...[10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((score) => ({
    source: `Score-${score}`,
    rule: parseCount,
  })),
];

/** Separator of the genre list handed to SQL; cannot occur in text from the source. */
export const GENRE_SEPARATOR = "\x1f";

/**
 * Cleans one row: every column by its rule, plus the split and trimmed genre list as the last value.
 *
 * @param get Returns the text of a named source column.
 * @returns Staging-table values keyed by MAL_ID, or the first column that fails with its reason.
 */
export function buildAnimeRow(get: (name: string) => string): BuiltRow {
  const values: (string | number | null)[] = [];
  for (const { source, rule } of ANIME_COLUMNS) {
    const parsed = rule(get(source));
    if (!parsed.ok) {
      return { ok: false, reason: parsed.reason, detail: `column "${source}": ${parsed.problem}` };
    }
    values.push(parsed.value);
  }
  values.push(splitList(get("Genres")).join(GENRE_SEPARATOR));
  return { ok: true, key: values[0] as number, values };
}
