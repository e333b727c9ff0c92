// Owns showing one anime.csv row before and after buildAnimeRow, the cleaning the loader applies.
/**
 * @example Which columns the loader changes
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANIME_COLUMNS } from "../transform/anime_row.ts";
 * import { compareAnimeRow } from "./compare_anime_row.ts";
 * const row: Record<string, string> = Object.fromEntries(ANIME_COLUMNS.map((c) => [c.source, "1"]));
 * Object.assign(row, { Name: "Cowboy Bebop", Score: "Unknown", Genres: "Action, Space" });
 * const changes = compareAnimeRow(row);
 * assert.ok(changes.some((c) => c.column === "Score" && c.after === "NULL"));
 * ```
 */
import { ANIME_COLUMNS, buildAnimeRow, GENRE_SEPARATOR } from "../transform/anime_row.ts";

/** A column of the row before and after cleaning. */
export interface ColumnChange {
  column: string;
  before: string;
  after: string;
}

/**
 * Cleans a row with the loader's `buildAnimeRow` and lists the columns it changes, plus `MAL_ID`
 * and the genre list it derives for `anime_genre`.
 *
 * @param row One anime.csv row read as text, keyed by trimmed header name (polars `toRecords()`).
 * @param options `all`: list every column, not only changed ones; default false.
 * @returns The changes; a row the loader would quarantine yields one entry naming the reason.
 */
export function compareAnimeRow(
  row: Record<string, unknown>,
  options: { all?: boolean } = {},
): ColumnChange[] {
  const text = (name: string) => {
    const value = row[name];
    return value === null || value === undefined ? "" : String(value);
  };
  const built = buildAnimeRow(text);
  if (!built.ok) {
    return [{
      column: "(row)",
      before: text("MAL_ID"),
      after: `quarantined: ${built.reason}: ${built.detail}`,
    }];
  }
  const changes: ColumnChange[] = [];
  ANIME_COLUMNS.forEach(({ source }, i) => {
    const value = built.values[i];
    const after = value === null || value === undefined ? "NULL" : String(value);
    if (options.all || source === "MAL_ID" || after !== text(source)) {
      changes.push({ column: source, before: text(source), after });
    }
  });
  const genres = String(built.values.at(-1) ?? "");
  changes.push({
    column: "(genre list for anime_genre)",
    before: text("Genres"),
    after: genres === "" ? "(none)" : genres.split(GENRE_SEPARATOR).join(" | "),
  });
  return changes;
}
