// Owns profiling frames: each column's shape, and animelist.csv's counts whole or block by block.
import pl from "nodejs-polars";
import type { Bar } from "../report/display/bar_chart.ts";
import { countValues } from "./counts.ts";
import { findMissingReferences, type MissingReference } from "./references.ts";

/** One column's profile. */
export interface ColumnProfile {
  column: string;
  /** polars type as read (`String` when read as text). */
  type: string;
  /** Null cells (empty fields are read as null). */
  nulls: number;
  /** Cells that say `Unknown` (any case, surrounding spaces ignored): missing values in disguise. */
  unknown: number;
  distinct: number;
  /**
   * What the other values look like: `integer`, `integer written as float` (`229170.0`), `decimal`,
   * `text`, or `(none)` when every cell is missing.
   */
  looks_like: string;
  /** The first value that is not missing, clipped to 40 characters. */
  example: string;
}

/**
 * Profiles every column. Text columns are examined with polars string expressions; numeric
 * columns report their type directly.
 *
 * @param frame A source frame, ideally read with `text: true` so nothing was coerced.
 * @returns One profile per column, in column order.
 *
 * @example Profile a frame read as text
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { profileColumns } from "./profiles.ts";
 * const frame = pl.DataFrame({ Score: ["8.78", "Unknown", "7.50"], Members: ["10", "20", "30.0"] });
 * const [score, members] = profileColumns(frame);
 * assert.equal(score?.unknown, 1);
 * assert.equal(members?.looks_like, "integer written as float");
 * ```
 */
export function profileColumns(frame: pl.DataFrame): ColumnProfile[] {
  return frame.columns.map((name) => {
    const series = frame.getColumn(name);
    const type = typeName(series.dtype);
    const isText = type === "String" || type === "Utf8";
    const profile: ColumnProfile = {
      column: name,
      type,
      nulls: series.nullCount(),
      unknown: 0,
      distinct: series.nUnique(),
      looks_like: /^U?Int/.test(type) ? "integer" : /^Float/.test(type) ? "decimal" : "text",
      example: "",
    };
    if (isText) {
      const value = pl.col("value");
      const stripped = frame.select(pl.col(name).str.strip().alias("value"));
      const isUnknown = value.str.toLowerCase().eq(pl.lit("unknown"));
      profile.unknown = stripped.filter(isUnknown).height;
      const present = stripped.filter(
        value.isNotNull().and(isUnknown.not()).and(value.eq(pl.lit("")).not()),
      );
      profile.looks_like = looksLike(present.getColumn("value"));
    }
    const first = frame.select(pl.col(name).cast(pl.Utf8).alias("value")).filter(
      pl.col("value").isNotNull().and(
        pl.col("value").str.strip().str.toLowerCase().eq(pl.lit("unknown")).not(),
      ),
    ).head(1).getColumn("value").toArray()[0];
    profile.example = clip(first === undefined || first === null ? "" : String(first));
    return profile;
  });
}

function looksLike(values: pl.Series): string {
  if (values.length === 0) return "(none)";
  // A boolean Series sums to a boolean in nodejs-polars: count through an integer cast.
  const all = (pattern: string) =>
    Number(values.str.contains(pattern).cast(pl.UInt32).sum()) === values.length;
  if (all("^[+-]?[0-9]+$")) return "integer";
  if (all("^[+-]?[0-9]+(\\.0+)?$")) return "integer written as float";
  if (all("^[+-]?[0-9]+(\\.[0-9]+)?$")) return "decimal";
  return "text";
}

function typeName(dtype: unknown): string {
  const text = String(dtype);
  return /^DataType\((.*)\)$/.exec(text)?.[1] ?? text;
}

function clip(text: string): string {
  const chars = [...text.replaceAll(/\s+/g, " ")];
  return chars.length > 40 ? `${chars.slice(0, 39).join("")}…` : chars.join("");
}

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
 *
 * @example Profile the full file without holding it in memory
 * ```ts ignore
 * import { profileAnimeList } from "./profiles.ts";
 * import { readSourceBlocks } from "./frames.ts";
 * const blocks = readSourceBlocks(session.s3, await session.source("animelist.csv"));
 * const profile = await profileAnimeList(blocks, { statuses, anime });
 * console.log(profile.rows, profile.users);
 * ```
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
