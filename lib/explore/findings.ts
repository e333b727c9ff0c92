// Owns notebook 02's closing table: each finding about the sources, how much it affects, and the handling.
import { formatNumber } from "../report/display/format.ts";
import { type AnimeListProfile, type ColumnProfile, profileFigures } from "./profiles.ts";

/** What notebook 02 measured, as {@link listFindings} needs it. */
export interface FindingsInput {
  /** `profileColumns` of anime.csv read as text. */
  animeColumns: readonly ColumnProfile[];
  /** Genres of anime.csv split on commas and trimmed (`splitList`), and split without trimming. */
  genres: { trimmed: number; untrimmed: number };
  /** The profile of animelist.csv. */
  list: AnimeListProfile;
  /** MAL_IDs of anime_with_synopsis.csv that anime.csv lacks. */
  orphanSynopses: number;
  /** Titles (`Name`) of anime.csv claimed by more than one anime. */
  repeatedTitles: number;
}

/** One finding and what the pipeline does about it. */
export interface Finding {
  finding: string;
  /** How much of the data it touches, e.g. `1,234 rows`. */
  affected: string;
  handling: string;
}

/**
 * Lists the findings of the exploration, each with its measured extent and the pipeline's handling:
 * `Unknown` cells, integers written as floats, untrimmed genre lists, unrated entries, undefined
 * status codes, undefined anime ids and titles that are not unique.
 *
 * @param input The measurements.
 * @returns One row per finding, in the order above.
 *
 * @example Findings of a tiny profile
 * ```ts
 * import assert from "node:assert/strict";
 * import { listFindings } from "./findings.ts";
 * const findings = listFindings({
 *   animeColumns: [{ column: "Score", type: "String", nulls: 0, unknown: 2, distinct: 3,
 *     looks_like: "decimal", example: "8.78" }],
 *   genres: { trimmed: 43, untrimmed: 80 },
 *   list: { blocks: 1, rows: 10, users: 2, byStatus: [], byRating: [{ label: "0", value: 4 }],
 *     missingStatuses: [{ value: "5", rows: 3 }], missingAnimeIds: { ids: 1, rows: 1 },
 *     listLengths: new Float64Array([4, 6]) },
 *   orphanSynopses: 2,
 *   repeatedTitles: 1,
 * });
 * assert.equal(findings.find((f) => f.finding.startsWith("rating 0"))?.affected, "4 list entries");
 * assert.equal(findings.find((f) => f.finding.startsWith("anime ids"))?.affected, "3 rows");
 * ```
 */
export function listFindings(input: FindingsInput): Finding[] {
  const withUnknown = input.animeColumns.filter((column) => column.unknown > 0);
  const unknownCells = input.animeColumns.reduce((sum, column) => sum + column.unknown, 0);
  const asFloats = input.animeColumns.filter((column) =>
    column.looks_like === "integer written as float"
  );
  const figures = profileFigures(input.list);
  return [
    {
      finding: "Unknown in anime.csv (numeric columns too)",
      affected: `${formatNumber(unknownCells)} cells in ${withUnknown.length} columns`,
      handling: "NULL via parseScore/parseCount/parseText, never 0",
    },
    {
      finding: "integers written as floats",
      affected: `${asFloats.length} columns`,
      handling: "parseCount accepts a zero fraction, rejects 12.5",
    },
    {
      finding: "genre lists with spaces after commas",
      affected: `${input.genres.untrimmed - input.genres.trimmed} spurious untrimmed genres`,
      handling: "splitList trims; anime_genre holds one row per anime and genre",
    },
    {
      finding: "rating 0 = not rated",
      affected: `${formatNumber(figures.not_rated_rows)} list entries`,
      handling: "kept as 0 in anime_list.rating; queries leave it out of means",
    },
    {
      finding: "watching_status codes missing from the dimension",
      affected: `${formatNumber(figures.unknown_status_rows)} rows`,
      handling: "quarantined as unknown_watching_status, with line and raw text",
    },
    {
      finding: "anime ids missing from anime.csv",
      affected: `${formatNumber(figures.missing_anime_rows + input.orphanSynopses)} rows`,
      handling: "quarantined as unknown_anime_id",
    },
    {
      finding: "titles that are not unique",
      affected: `${input.repeatedTitles} titles`,
      handling: "keyed by MAL_ID, never by name",
    },
  ];
}
