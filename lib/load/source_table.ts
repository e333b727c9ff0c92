// Owns the description of every source file (columns, row building, COPY, keys given and needed)
// and the order the run loads them in, which follows from the keys alone.
/**
 * @example Dimensions load before the facts that refer to them
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOrder, SOURCE_TABLE } from "./source_table.ts";
 * assert.deepEqual(loadOrder(SOURCE_TABLE).map((spec) => spec.file), [
 *   "watching_status.csv",
 *   "anime.csv",
 *   "anime_with_synopsis.csv",
 *   "animelist.csv",
 * ]);
 * ```
 */
import {
  ANIME_COLUMNS,
  ANIME_NUMBER_COLUMNS,
  buildAnimeRow,
  GENRE_SEPARATOR,
} from "../transform/anime_row.ts";
import type { CopyValue } from "../transform/copy_text_row.ts";
import {
  buildSynopsisRow,
  SYNOPSIS_COLUMNS,
  SYNOPSIS_NUMBER_COLUMNS,
} from "../transform/synopsis_row.ts";
import {
  buildWatchingStatusRow,
  WATCHING_STATUS_COLUMNS,
} from "../transform/watching_status_row.ts";
import type { KeyKind, SourceSpec } from "./file_load.ts";
import { animeListSource } from "./load_anime_list.ts";
import { rowsSource, type RowsSpec, type RowsTarget } from "./load_rows.ts";

// The anime.csv columns of each star table but anime_genre, in the order of its COPY.
const ANIME_TABLES = {
  master: ["MAL_ID", "Name", "Score", "Genres"],
  meta: [
    "MAL_ID",
    ...ANIME_COLUMNS.slice(columnIndex("English name"), columnIndex("Score-10"))
      .map((column) => column.source),
  ],
  scoreDetails: [
    "MAL_ID",
    ...ANIME_COLUMNS.slice(columnIndex("Score-10")).map((column) => column.source),
  ],
} as const;

/** anime.csv, cleaned into the star's four anime tables. */
export const ANIME_ROWS: RowsSpec = {
  file: "anime.csv",
  columns: ANIME_COLUMNS.map((column) => column.source),
  keyColumn: "MAL_ID",
  singleLineColumns: ANIME_NUMBER_COLUMNS,
  buildRow: buildAnimeRow,
  // Straight into the star's four anime tables: anime_master as the file streams, the others
  // from the held rows after it (a staging table distributed by INSERT ... SELECT cost a second
  // write of every row and its index).
  copy: "load/copy_anime_master",
  copyRows: animeColumns(...ANIME_TABLES.master),
  alsoCopy: [
    { copy: "load/copy_anime_meta", rows: animeColumns(...ANIME_TABLES.meta) },
    { copy: "load/copy_anime_score_details", rows: animeColumns(...ANIME_TABLES.scoreDetails) },
    // One row per genre of the row's cleaned list (split, trimmed and deduplicated).
    { copy: "load/copy_anime_genre", rows: animeGenreRows },
  ],
  encoding: {
    columns: ANIME_COLUMNS,
    key: "MAL_ID",
    tables: [
      ANIME_TABLES.master,
      ANIME_TABLES.meta,
      ANIME_TABLES.scoreDetails,
      { listOf: "Genres" },
    ],
  },
  provides: "anime_id",
};

/** anime_with_synopsis.csv, cleaned into anime_synopsis. */
export const SYNOPSIS_ROWS: RowsSpec = {
  file: "anime_with_synopsis.csv",
  columns: SYNOPSIS_COLUMNS,
  keyColumn: "MAL_ID",
  singleLineColumns: SYNOPSIS_NUMBER_COLUMNS,
  buildRow: buildSynopsisRow,
  copy: "load/copy_synopsis",
  encoding: {
    columns: [{ source: "MAL_ID", shape: "id" }, { source: "sypnopsis", shape: "text" }],
    key: "MAL_ID",
    tables: [SYNOPSIS_COLUMNS],
  },
  keyIn: "anime_id",
};

/**
 * Every source file of a run. A new file (or a new kind of file, with a loader of its own) is a
 * new entry here; the run needs no other change.
 */
export const SOURCE_TABLE: readonly SourceSpec[] = [
  rowsSource({
    file: "watching_status.csv",
    columns: WATCHING_STATUS_COLUMNS,
    keyColumn: "status",
    singleLineColumns: "all",
    buildRow: buildWatchingStatusRow,
    copy: "load/copy_watching_status",
    provides: "watching_status",
  }),
  rowsSource(ANIME_ROWS),
  rowsSource(SYNOPSIS_ROWS),
  animeListSource({ file: "animelist.csv", copy: "load/copy_anime_list" }),
];

// The values of the named anime.csv columns of a cleaned row, as one row.
function animeColumns(...names: string[]): RowsTarget["rows"] {
  const indexes = names.map(columnIndex);
  return (values) => [indexes.map((index) => values[index]!)];
}

function columnIndex(source: string): number {
  const index = ANIME_COLUMNS.findIndex((column) => column.source === source);
  if (index < 0) throw new Error(`anime.csv has no column ${source}`);
  return index;
}

// A cleaned row's genres (buildAnimeRow's last value) as (mal_id, genre) rows.
function animeGenreRows(values: readonly CopyValue[]): CopyValue[][] {
  const list = values[ANIME_COLUMNS.length] as string;
  return list === "" ? [] : list.split(GENRE_SEPARATOR).map((genre) => [values[0]!, genre]);
}

/**
 * Orders files so that each loads after the files providing the keys it needs; files that do not
 * depend on each other keep their order in the table.
 *
 * @param table Source descriptions.
 * @returns The same entries in load order.
 * @throws {Error} When a needed kind of key is provided by no file, by two, or by a cycle.
 */
export function loadOrder(table: readonly SourceSpec[]): SourceSpec[] {
  const providers = new Map<KeyKind, SourceSpec>();
  for (const spec of table) {
    if (spec.provides === undefined) continue;
    if (providers.has(spec.provides)) {
      throw new Error(
        `Cannot order the sources: ${spec.provides} keys come from both ` +
          `${providers.get(spec.provides)!.file} and ${spec.file}`,
      );
    }
    providers.set(spec.provides, spec);
  }
  const ordered: SourceSpec[] = [];
  const placed = new Set<SourceSpec>();
  let pending = [...table];
  while (pending.length > 0) {
    const ready = pending.filter((spec) =>
      spec.needs.every((kind) => {
        const provider = providers.get(kind);
        if (provider === undefined) {
          throw new Error(
            `Cannot order the sources: no file provides the ${kind} keys ${spec.file} needs`,
          );
        }
        return placed.has(provider);
      })
    );
    if (ready.length === 0) {
      throw new Error(
        `Cannot order the sources: ${
          pending.map((spec) => spec.file).join(", ")
        } need each other's keys`,
      );
    }
    for (const spec of ready) {
      ordered.push(spec);
      placed.add(spec);
    }
    pending = pending.filter((spec) => !placed.has(spec));
  }
  return ordered;
}
