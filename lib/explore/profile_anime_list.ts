// Owns the animelist.csv profile that also works block by block: the path for the full 109M rows.
/**
 * @example Profile the full file without holding it in memory
 * ```ts ignore
 * import { profileAnimeList } from "./profile_anime_list.ts";
 * import { readSourceBlocks } from "./read_source_blocks.ts";
 * const blocks = readSourceBlocks(session.s3, await session.source("animelist.csv"));
 * const profile = await profileAnimeList(blocks, { statuses, anime });
 * console.log(profile.rows, profile.users);
 * ```
 */
import type pl from "nodejs-polars";
import type { Bar } from "../report/bar_chart.ts";
import { countValues } from "./count_values.ts";
import { findMissingReferences, type MissingReference } from "./find_missing_references.ts";

/** The dimensions animelist.csv refers to. */
export interface AnimeListDimensions {
  /** watching_status.csv (column `status`). */
  statuses: pl.DataFrame;
  /** anime.csv (column `MAL_ID`). */
  anime: pl.DataFrame;
}

/** Counts over the whole of animelist.csv. */
export interface AnimeListProfile {
  /** Blocks read (1 for a whole frame). */
  blocks: number;
  rows: number;
  users: number;
  /** Rows per `watching_status` value, by value. */
  byStatus: Bar[];
  /** Rows per `rating` value, by value (0 means not rated). */
  byRating: Bar[];
  /** Status codes watching_status.csv does not define, with their rows. */
  missingStatuses: MissingReference[];
  /** Anime ids anime.csv does not define: how many distinct ids, on how many rows. */
  missingAnimeIds: { ids: number; rows: number };
  /** Entries per user, one per user. */
  listLengths: Float64Array;
}

/**
 * Profiles animelist.csv from one frame (demo size, the capstone's 8M rows) or from a stream of
 * blocks (`readSourceBlocks`, for the full 109M rows): each block is counted with the same polars
 * group-bys and the counts are added up, so both paths give the same numbers. Memory grows with the
 * number of users and distinct values, not with rows.
 *
 * @param source The whole frame, or blocks of it.
 * @param dimensions watching_status.csv and anime.csv frames.
 * @returns The combined counts.
 */
export async function profileAnimeList(
  source: pl.DataFrame | AsyncIterable<pl.DataFrame>,
  dimensions: AnimeListDimensions,
): Promise<AnimeListProfile> {
  const totals = {
    blocks: 0,
    rows: 0,
    status: new Map<string, number>(),
    rating: new Map<string, number>(),
    missingStatus: new Map<string, number>(),
    missingAnime: new Map<string, number>(),
    users: new Map<string, number>(),
  };
  const add = (map: Map<string, number>, key: string, count: number) =>
    map.set(key, (map.get(key) ?? 0) + count);
  const blocks = Symbol.asyncIterator in source ? source : [source];
  for await (const block of blocks) {
    totals.blocks++;
    totals.rows += block.height;
    for (const bar of countValues(block, "watching_status")) {
      add(totals.status, bar.label, bar.value);
    }
    for (const bar of countValues(block, "rating")) add(totals.rating, bar.label, bar.value);
    for (
      const missing of findMissingReferences(
        block,
        "watching_status",
        dimensions.statuses,
        "status",
      )
    ) {
      add(totals.missingStatus, missing.value, missing.rows);
    }
    for (const missing of findMissingReferences(block, "anime_id", dimensions.anime, "MAL_ID")) {
      add(totals.missingAnime, missing.value, missing.rows);
    }
    for (const bar of countValues(block, "user_id")) add(totals.users, bar.label, bar.value);
  }
  const byValue = (map: Map<string, number>): Bar[] =>
    [...map].map(([label, value]) => ({ label, value }))
      .sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
  return {
    blocks: totals.blocks,
    rows: totals.rows,
    users: totals.users.size,
    byStatus: byValue(totals.status),
    byRating: byValue(totals.rating),
    missingStatuses: [...totals.missingStatus].map(([value, rows]) => ({ value, rows }))
      .sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value, "en", { numeric: true })),
    missingAnimeIds: {
      ids: totals.missingAnime.size,
      rows: [...totals.missingAnime.values()].reduce((sum, rows) => sum + rows, 0),
    },
    listLengths: Float64Array.from(totals.users.values()),
  };
}
