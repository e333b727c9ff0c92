// Owns profiling frames: each column's shape, and animelist.csv's counts whole or block by block.
import pl from "nodejs-polars";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SourceObject } from "../extract/source_objects.ts";
import type { Bar } from "../report/display/bar_chart.ts";
import { htmlTable } from "../report/display/html_table.ts";
import { type Displayable, JUPYTER_DISPLAY, type MimeBundle } from "../report/display/_display.ts";
import { countValues, type DuplicateSummary, summariseDuplicates } from "./counts.ts";
import { readSourceBlocks, readSourceFrame } from "./frames.ts";
import { findMissingReferences, type MissingReference } from "./references.ts";
import { UserCounts } from "./user_counts.ts";
import { releaseNativeMemory } from "../runtime/release_native_memory.ts";

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
  /** Entries per user, one per user: integer ids in id order, then other labels in text order. */
  listLengths: Float64Array;
}

/**
 * Profiles animelist.csv from one frame (demo size, the capstone's 8M rows) or from a stream of
 * blocks (`readSourceBlocks`, for the full 109M rows): each block is counted with the same polars
 * group-bys and the counts are added up, so both paths give the same numbers. Memory holds one
 * block (polars' native memory is released after each) and the counts: 12 bytes per user in typed
 * arrays ({@link UserCounts}), and a map entry per distinct value of the other columns.
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
  };
  const users = new UserCounts();
  const add = (map: Map<string, number>, key: string, count: number) =>
    map.set(key, (map.get(key) ?? 0) + count);
  const blocks = Symbol.asyncIterator in source ? source : [source];
  for await (const block of blocks) {
    // The previous block and the frames its counts made are garbage now; their rows live in
    // native memory V8 does not count, so without a collection they pile up block after block.
    if (totals.blocks > 0) releaseNativeMemory();
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
    users.addBlock(block, "user_id");
  }
  if (totals.blocks > 1) releaseNativeMemory();
  const byValue = (map: Map<string, number>): Bar[] =>
    [...map].map(([label, value]) => ({ label, value }))
      .sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
  return {
    blocks: totals.blocks,
    rows: totals.rows,
    users: users.users,
    byStatus: byValue(totals.status),
    byRating: byValue(totals.rating),
    missingStatuses: [...totals.missingStatus].map(([value, rows]) => ({ value, rows }))
      .sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value, "en", { numeric: true })),
    missingAnimeIds: {
      ids: totals.missingAnime.size,
      rows: [...totals.missingAnime.values()].reduce((sum, rows) => sum + rows, 0),
    },
    listLengths: users.lengths(),
  };
}

/** The figures of an animelist.csv profile that every way of reading the file must agree on. */
export interface ProfileFigures {
  rows: number;
  users: number;
  /** Distinct `watching_status` values used. */
  status_codes: number;
  /** Rows whose status watching_status.csv does not define. */
  unknown_status_rows: number;
  /** Rows whose anime id anime.csv does not define. */
  missing_anime_rows: number;
  /** Rows with rating 0 (not rated). */
  not_rated_rows: number;
}

/**
 * Reads the headline figures off a profile.
 *
 * @param profile From {@link profileAnimeList}.
 * @returns The figures, named as notebook 02's tables show them.
 */
export function profileFigures(profile: AnimeListProfile): ProfileFigures {
  return {
    rows: profile.rows,
    users: profile.users,
    status_codes: profile.byStatus.length,
    unknown_status_rows: profile.missingStatuses.reduce((sum, missing) => sum + missing.rows, 0),
    missing_anime_rows: profile.missingAnimeIds.rows,
    not_rated_rows: profile.byRating.find((bar) => bar.label === "0")?.value ?? 0,
  };
}

/** A profile and how it was read, e.g. `whole frame` or `blocks`. */
export interface LabelledProfile {
  path: string;
  profile: AnimeListProfile;
}

/**
 * Two profiles of the same file side by side. Shown, it is a table with one row per way of reading
 * and a caption saying whether they agree; {@link ProfileComparison.assertAgree} stops a notebook
 * when they do not.
 */
export class ProfileComparison implements Displayable {
  /** One row per profile: its path, block count and figures. */
  readonly rows: Record<string, string | number>[];
  /** `figure: a vs b` for each figure that differs; empty when they agree. */
  readonly differences: string[];

  constructor(readonly first: LabelledProfile, readonly second: LabelledProfile) {
    const [a, b] = [profileFigures(first.profile), profileFigures(second.profile)];
    this.rows = [first, second].map(({ path, profile }, i) => ({
      path,
      blocks: profile.blocks,
      ...(i === 0 ? a : b),
    }));
    this.differences = (Object.keys(a) as (keyof ProfileFigures)[])
      .filter((figure) => a[figure] !== b[figure])
      .map((figure) => `${figure}: ${a[figure]} vs ${b[figure]}`);
  }

  /** True when every figure is equal. */
  get agree(): boolean {
    return this.differences.length === 0;
  }

  /**
   * Throws unless the profiles agree.
   *
   * @throws {Error} Naming both paths and each figure that differs.
   */
  assertAgree(): void {
    if (!this.agree) {
      throw new Error(
        `The ${this.second.path} profile of animelist.csv differs from the ${this.first.path} one: ` +
          this.differences.join(", "),
      );
    }
  }

  /** The table. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return htmlTable(this.rows, {
      caption: this.agree
        ? "animelist.csv profiled both ways: identical"
        : `The two paths DISAGREE: ${this.differences.join(", ")}`,
    })[JUPYTER_DISPLAY]();
  }
}

/**
 * Compares two profiles of animelist.csv figure by figure.
 *
 * @param first The profile the notebook uses, e.g. `{ path: "whole frame", profile }`.
 * @param second The same file read another way.
 * @returns The comparison; show it, then call `assertAgree()`.
 *
 * @example Two reads that agree
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { compareProfiles, profileAnimeList } from "./profiles.ts";
 * const list = pl.DataFrame({ user_id: [1, 1, 2], anime_id: [5, 6, 5], rating: [0, 7, 9],
 *   watching_status: [1, 2, 2] });
 * const dimensions = { statuses: pl.DataFrame({ status: ["1", "2"] }),
 *   anime: pl.DataFrame({ MAL_ID: ["5", "6"] }) };
 * const profile = await profileAnimeList(list, dimensions);
 * const comparison = compareProfiles({ path: "whole frame", profile }, { path: "again", profile });
 * assert.ok(comparison.agree);
 * comparison.assertAgree();
 * ```
 */
export function compareProfiles(
  first: LabelledProfile,
  second: LabelledProfile,
): ProfileComparison {
  return new ProfileComparison(first, second);
}

/** Options of {@link profileAnimeListObject}. */
export interface ProfileAnimeListObjectOptions {
  /**
   * Largest object, in decompressed bytes, read into one frame; larger ones are streamed in blocks.
   * Default 50 MB: a whole frame and the group-bys over it take about 20 times the file's size.
   */
  wholeFrameMaxBytes?: number;
  /** Decompressed bytes per block when streamed; default 32 MiB. */
  blockBytes?: number;
}

/** How {@link profileAnimeListObject} read animelist.csv, and what it found. */
export interface AnimeListReading {
  /** `whole frame` (one polars frame) or `streamed` (in blocks). */
  path: "whole frame" | "streamed";
  profile: AnimeListProfile;
  /** Column profiles of the whole frame, or of the first block when streamed. */
  columns: ColumnProfile[];
  /** What `columns` describes, e.g. `animelist.csv, first block (1,150,000 rows)`. */
  columnsOf: string;
  /** Repeated (user_id, anime_id) pairs when read whole; undefined when streamed. */
  duplicates?: DuplicateSummary;
}

/**
 * Profiles animelist.csv straight from S3 in bounded memory: a file up to `wholeFrameMaxBytes` is
 * read into one frame (column profile and duplicate keys included), a larger one is streamed in
 * blocks (the column profile then describes the first block, and duplicate pairs are left to the
 * load, which quarantines them as `duplicate_key`). No frame outlives the call, so a notebook holds
 * only the counts.
 *
 * @param client S3 client.
 * @param source The listed animelist.csv object.
 * @param dimensions watching_status.csv and anime.csv frames.
 * @returns The profile and how it was read.
 * @throws {PipelineError} From the S3 reader.
 */
export async function profileAnimeListObject(
  client: S3Client,
  source: SourceObject,
  dimensions: AnimeListDimensions,
  options: ProfileAnimeListObjectOptions = {},
): Promise<AnimeListReading> {
  const wholeFrameMaxBytes = options.wholeFrameMaxBytes ?? DEFAULT_WHOLE_FRAME_MAX_BYTES;
  const frame = source.size <= wholeFrameMaxBytes
    ? await readWithin(client, source, wholeFrameMaxBytes)
    : undefined;
  if (frame !== undefined) {
    return {
      path: "whole frame",
      profile: await profileAnimeList(frame, dimensions),
      columns: profileColumns(frame),
      columnsOf: "animelist.csv",
      duplicates: summariseDuplicates("animelist.csv", frame, ["user_id", "anime_id"]),
    };
  }
  let first: { columns: ColumnProfile[]; rows: number } | undefined;
  const blocks = readSourceBlocks(client, source, {
    blockBytes: options.blockBytes ?? DEFAULT_BLOCK_BYTES,
  });
  async function* firstProfiled(): AsyncGenerator<pl.DataFrame> {
    for await (const block of blocks) {
      first ??= { columns: profileColumns(block), rows: block.height };
      yield block;
    }
  }
  const profile = await profileAnimeList(firstProfiled(), dimensions);
  return {
    path: "streamed",
    profile,
    columns: first?.columns ?? [],
    columnsOf: `animelist.csv, first block (${(first?.rows ?? 0).toLocaleString("en-US")} rows)`,
  };
}

// A gzip object's decompressed size is known only once read: past the limit it is streamed instead
// (readSourceFrame stops at the limit, so the attempt costs at most that much).
async function readWithin(
  client: S3Client,
  source: SourceObject,
  maxBytes: number,
): Promise<pl.DataFrame | undefined> {
  try {
    return await readSourceFrame(client, source, { maxBytes });
  } catch (error) {
    if (error instanceof RangeError && source.gzip) return undefined;
    throw error;
  }
}

/** Default `wholeFrameMaxBytes` of {@link profileAnimeListObject}: 50 MB (10^6 bytes). */
export const DEFAULT_WHOLE_FRAME_MAX_BYTES = 50e6;
/** Default `blockBytes` of {@link profileAnimeListObject}: 32 MiB. */
export const DEFAULT_BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * Profiles animelist.csv a second time, streamed in blocks cut elsewhere than the first reading's
 * (four blocks for a file read whole; blocks a third of `blockBytes` for a streamed one), and
 * compares the two: block boundaries must not change any count.
 *
 * @param client S3 client.
 * @param source The listed animelist.csv object.
 * @param reading The first reading, from {@link profileAnimeListObject}.
 * @param dimensions The same dimensions as the first reading.
 * @returns The comparison; show it, then call `assertAgree()`.
 */
export async function checkProfileInBlocks(
  client: S3Client,
  source: SourceObject,
  reading: AnimeListReading,
  dimensions: AnimeListDimensions,
  options: Pick<ProfileAnimeListObjectOptions, "blockBytes"> = {},
): Promise<ProfileComparison> {
  const blockBytes = reading.path === "whole frame"
    ? Math.max(1, Math.ceil(source.size / 4))
    : Math.max(1, Math.floor((options.blockBytes ?? DEFAULT_BLOCK_BYTES) / 3));
  const profile = await profileAnimeList(
    readSourceBlocks(client, source, { blockBytes }),
    dimensions,
  );
  return compareProfiles({ path: reading.path, profile: reading.profile }, {
    path: reading.path === "whole frame" ? "streamed" : "streamed again, other blocks",
    profile,
  });
}
