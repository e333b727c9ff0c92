// Owns the cleaning of one anime.csv row into the columns of the star's anime tables.
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
import type { CopyValue } from "./copy_text_row.ts";
import type { BuiltRow } from "./built_row.ts";
import {
  parseCount,
  type Parsed,
  parseInteger,
  parseRequiredText,
  parseScore,
  parseText,
  splitList,
  type TextValue,
} from "./values.ts";

/**
 * A source column and its rule. Numbers are parsed from strings, and a quoted number can never hold
 * a line break; free text may be a large field left as UTF-8 bytes, and may span lines. `shape`
 * names the rule, for lib/transform/row_encoder.ts, which applies the same rules to bytes.
 */
export type AnimeColumn =
  | {
    source: string;
    kind: "number";
    shape: "id" | "count" | "score";
    rule: (text: string) => Parsed<string | number | null>;
  }
  | {
    source: string;
    kind: "text";
    shape: "text" | "required_text";
    rule: (text: TextValue) => Parsed<TextValue | null>;
  };

const NUMBER_RULES = {
  id: (text: string) => parseInteger(text, { min: 1 }),
  count: parseCount,
  score: parseScore,
} as const;
const number = (source: string, shape: keyof typeof NUMBER_RULES): AnimeColumn => ({
  source,
  kind: "number",
  shape,
  rule: NUMBER_RULES[shape],
});
const freeText = (source: string, shape: "text" | "required_text" = "text"): AnimeColumn => ({
  source,
  kind: "text",
  shape,
  rule: shape === "text" ? parseText : parseRequiredText,
});

/**
 * anime.csv columns, source header → rule, in the order of the cleaned row (lib/load/source_table.ts
 * splits it over the star's anime tables). Ranks are counts: nullable, at least 0.
 */
export const ANIME_COLUMNS: readonly AnimeColumn[] = [
  number("MAL_ID", "id"),
  freeText("Name", "required_text"),
  number("Score", "score"),
  freeText("Genres"),
  freeText("English name"),
  freeText("Japanese name"),
  freeText("Type"),
  number("Episodes", "count"),
  freeText("Aired"),
  freeText("Premiered"),
  freeText("Producers"),
  freeText("Licensors"),
  freeText("Studios"),
  freeText("Source"),
  freeText("Duration"),
  freeText("Rating"),
  number("Ranked", "count"),
  number("Popularity", "count"),
  number("Members", "count"),
  number("Favorites", "count"),
  number("Watching", "count"),
  number("Completed", "count"),
  number("On-Hold", "count"),
  number("Dropped", "count"),
  number("Plan to Watch", "count"),
  ...[10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((score) => number(`Score-${score}`, "count")),
];

/** Columns of anime.csv that hold numbers: a line break inside one of them ends the record. */
export const ANIME_NUMBER_COLUMNS: readonly string[] = ANIME_COLUMNS.filter((column) =>
  column.kind === "number"
).map((column) => column.source);

/** Separator of the cleaned row's genre list; cannot occur in text from the source. */
export const GENRE_SEPARATOR = "\x1f";

/**
 * Cleans one row: every column by its rule, plus the split and trimmed genre list as the last value.
 *
 * @param get Returns the text of a named source column.
 * @param text Returns the text of a free-text column, which may be a large field's UTF-8 bytes;
 *   default `get`.
 * @returns The cleaned values keyed by MAL_ID, or the first column that fails with its reason.
 */
export function buildAnimeRow(
  get: (name: string) => string,
  text: (name: string) => TextValue = get,
): BuiltRow {
  const values: CopyValue[] = [];
  for (const column of ANIME_COLUMNS) {
    const parsed = column.kind === "text"
      ? column.rule(text(column.source))
      : column.rule(get(column.source));
    if (!parsed.ok) {
      return {
        ok: false,
        reason: parsed.reason,
        detail: `column "${column.source}": ${parsed.problem}`,
      };
    }
    values.push(parsed.value);
  }
  values.push(splitList(get("Genres")).join(GENRE_SEPARATOR));
  return { ok: true, key: values[0] as number, values };
}
