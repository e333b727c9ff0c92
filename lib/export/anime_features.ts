// Owns the anime features file: one row per anime, its columns and dtypes, read from the published star.
/**
 * @example Read the features inside one of the export's snapshot transactions
 * ```ts ignore
 * import { readAnimeFeatures } from "./anime_features.ts";
 * const frame = await readAnimeFeatures(tx);
 * console.log(frame.height, frame.columns);
 * ```
 */
import pl from "nodejs-polars";
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";

/** How a feature column is stored: integers keep their nulls; `texts` is a list of strings. */
type FeatureKind = "int32" | "float64" | "text" | "texts";

const int = (name: string) => ({ name, kind: "int32" as const });
const text = (name: string) => ({ name, kind: "text" as const });

/**
 * The columns of `anime/part-00000.parquet`, in the order of sql/export/anime_features.sql: the
 * master (`mal_id`, `name`, `score`, `genres` as a sorted list), the meta columns, the score
 * counts and the synopsis. Nulls are those of the star schema (Unknown in the source).
 */
export const ANIME_FEATURE_COLUMNS: readonly { name: string; kind: FeatureKind }[] = Object.freeze([
  int("mal_id"),
  text("name"),
  { name: "score", kind: "float64" },
  { name: "genres", kind: "texts" },
  ...["english_name", "japanese_name", "type"].map(text),
  int("episodes"),
  ...[
    "aired",
    "premiered",
    "producers",
    "licensors",
    "studios",
    "source",
    "duration",
    "audience_age_rating",
  ].map(text),
  ...[
    "ranked",
    "popularity",
    "members",
    "favorites",
    "watching",
    "completed",
    "on_hold",
    "dropped",
    "plan_to_watch",
  ].map(int),
  ...[10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((score) => int(`score_${score}`)),
  text("synopsis"),
]);

// Rows fetched per round trip and turned into a frame at once; the table has one row per anime
// (17,562 in the 2020 data set). Measured on the 8M-row bench's data (RSS after the frame, then the
// peak after writing it): all rows as JavaScript values, then one frame, 224 / 261 MB; a frame per
// 2,000 rows 199 / 236 MB; per 500 rows 182 / 218 MB; per 100 rows 283 / 319 MB (a frame of 46
// columns has its own cost).
const CURSOR_ROWS = 500;

/**
 * Reads every anime's features, ordered by `mal_id`, into one frame.
 *
 * @param tx A transaction on the published data (the export's snapshot).
 * @returns The frame with {@link ANIME_FEATURE_COLUMNS}, in order.
 */
export async function readAnimeFeatures(tx: TransactionSql): Promise<pl.DataFrame> {
  // Each round trip's rows become a frame at once, so that JavaScript holds CURSOR_ROWS rows of
  // objects and strings at a time, not the whole table's: built in one piece, this stage was the
  // export's peak (272 MB of RSS on the 8M-row bench), above the interactions files that follow.
  const frames: pl.DataFrame[] = [];
  await tx.unsafe(await sqlText("export/anime_features")).cursor(
    CURSOR_ROWS,
    (rows: Record<string, unknown>[]) => {
      frames.push(
        featureFrame(
          ANIME_FEATURE_COLUMNS.map((column) => rows.map((row) => row[column.name] ?? null)),
        ),
      );
    },
  );
  if (frames.length === 0) return featureFrame(ANIME_FEATURE_COLUMNS.map(() => []));
  return frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "vertical", rechunk: true });
}

function featureFrame(values: unknown[][]): pl.DataFrame {
  return pl.DataFrame(ANIME_FEATURE_COLUMNS.map((column, c) => featureSeries(column, values[c]!)));
}

function featureSeries(column: { name: string; kind: FeatureKind }, values: unknown[]): pl.Series {
  switch (column.kind) {
    // Integers handed to an integer dtype lose their nulls (they become 0); through Float64 they
    // keep them, and every int4 is exact there.
    case "int32":
      return pl.Series(column.name, values, pl.Float64).cast(pl.Int32);
    case "float64":
      return pl.Series(column.name, values, pl.Float64);
    case "text":
      return pl.Series(column.name, values, pl.Utf8);
    case "texts":
      return pl.Series(column.name, values, pl.List(pl.Utf8));
  }
}
