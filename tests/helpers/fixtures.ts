// Owns small hand-written source files for tests: a full anime.csv row with overridable columns.
import { ANIME_COLUMNS } from "../../lib/transform/anime_row.ts";

/** anime.csv header in the published column order. */
export const ANIME_HEADER = ANIME_COLUMNS.map((column) => column.source);

const DEFAULTS: Record<string, string> = {
  Name: "Some Anime",
  Score: "7.50",
  Genres: "Action, Comedy",
  "English name": "Some Anime",
  "Japanese name": "何かのアニメ",
  Type: "TV",
  Episodes: "12",
  Aired: "Apr 3, 1998 to Apr 24, 1999",
  Premiered: "Spring 1998",
  Producers: "Bandai Visual",
  Licensors: "Funimation",
  Studios: "Sunrise",
  Source: "Original",
  Duration: "24 min. per ep.",
  Rating: "PG-13 - Teens 13 or older",
  Ranked: "100.0",
  Popularity: "50",
  Members: "1000",
  Favorites: "10",
  Watching: "100",
  Completed: "500",
  "On-Hold": "50",
  Dropped: "20",
  "Plan to Watch": "330",
  ...Object.fromEntries([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => [`Score-${n}`, `${n * 10}.0`])),
};

/** CSV-quotes a field when it needs it (comma, quote, newline), as pandas does. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One anime.csv line for `malId`, with defaults for the columns not given. */
export function animeLine(malId: string | number, overrides: Record<string, string> = {}): string {
  const values: Record<string, string> = { ...DEFAULTS, MAL_ID: String(malId), ...overrides };
  return ANIME_HEADER.map((name) => csvField(values[name] ?? "")).join(",");
}

/** A whole anime.csv for the given ids (default columns). */
export function animeCsv(ids: Iterable<number>): string {
  return [ANIME_HEADER.map(csvField).join(","), ...[...ids].map((id) => animeLine(id))].join("\n") +
    "\n";
}

/** watching_status.csv exactly as published (header with a space, no trailing newline). */
export const WATCHING_STATUS_CSV =
  "status, description\n1,Currently Watching\n2,Completed\n3,On Hold\n4,Dropped\n6,Plan to Watch";
