// Owns counting a time-based train/test split of an export's interactions by their as_of date.
/**
 * @example Rows of the snapshot (no date) and of two daily deltas, split at the first delta's day
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { timeSplitCounts } from "./time_split.ts";
 * const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
 * const interactions = pl.DataFrame({
 *   user_id: [1, 1, 2, 3],
 *   as_of: pl.Series("as_of", [null, day("2026-12-01"), day("2026-12-02"), null]).cast(pl.Date),
 * });
 * const split = timeSplitCounts(interactions);
 * assert.equal(split.day, "2026-12-01"); // the second-to-last date
 * assert.deepEqual(split.parts.map((part) => [part.rows, part.users]), [[3, 2], [1, 1]]);
 * ```
 */
import pl from "nodejs-polars";

/** One side of the split. */
export interface SplitPart {
  /** `train` or `test`. */
  part: "train" | "test";
  /** Which rows: `as_of ≤ D, or null (the snapshot)` or `as_of > D`. */
  rows_where: string;
  rows: number;
  /** Distinct users with at least one row in the part. */
  users: number;
  /** Of those, users who also have rows in the other part. */
  users_in_both: number;
}

/** A time-based split of the interactions, counted. */
export interface TimeSplit {
  /** D, `YYYY-MM-DD`. */
  day: string;
  /** Rows per as_of date (`null` for the snapshot's rows), in date order, the snapshot first. */
  dates: { as_of: string | null; rows: number }[];
  /** Train, then test. */
  parts: SplitPart[];
}

const DAY_MS = 86_400_000;

/**
 * Counts the split a recommender is trained and tested on: train on the rows as of day D (`as_of`
 * on or before D, or null: the snapshot, which predates every delta), test on the rows changed
 * after D. An export holds each pair's latest value, so a pair updated after D is in the test part
 * only. Read lazily with polars: only `user_id` and `as_of` are scanned, and only counts come back.
 *
 * @param interactions An export's `DIR/run=N` folder (its `interactions/` files are scanned), or a
 *   frame with `user_id` and `as_of` (Date) columns.
 * @param day D as `YYYY-MM-DD`; default the second-to-last as_of date in the data, so that the
 *   last day is the test part.
 * @returns D, the rows per date, and the two parts.
 * @throws {Error} When the data has no as_of column, or fewer than two dates and no `day`.
 */
export function timeSplitCounts(interactions: string | pl.DataFrame, day?: string): TimeSplit {
  const lazy = typeof interactions === "string"
    ? pl.scanParquet(`${interactions}/interactions/`)
    : interactions.lazy();
  const frame = lazy.select(
    pl.col("user_id"),
    // A Date's days since 1970-01-01: compared and grouped as integers.
    pl.col("as_of").cast(pl.Int32).alias("day"),
  );
  const byDay = frame.groupBy("day").agg(pl.len().alias("rows")).sort("day", false, false)
    .collectSync();
  const dates = (byDay.toRecords() as { day: number | null; rows: number }[]).map((row) => ({
    as_of: row.day === null ? null : isoDay(row.day),
    rows: Number(row.rows),
  }));
  const dated = dates.flatMap((date) => date.as_of === null ? [] : [date.as_of]);
  const chosen = day ?? dated.at(-2);
  if (chosen === undefined) {
    throw new Error(
      `Cannot choose a split day: the interactions have ${dated.length} as_of date(s); ` +
        "pass the day D",
    );
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(chosen) || Number.isNaN(Date.parse(`${chosen}T00:00:00Z`))) {
    throw new Error(`Cannot split at "${chosen}": give the day D as YYYY-MM-DD`);
  }
  const cut = Date.parse(`${chosen}T00:00:00Z`) / DAY_MS;
  const inTrain = pl.col("day").isNull().or(pl.col("day").lessThanEquals(pl.lit(cut)));
  const [counts] = frame.select(
    inTrain.cast(pl.UInt32).sum().cast(pl.Float64).alias("train_rows"),
    inTrain.not().cast(pl.UInt32).sum().cast(pl.Float64).alias("test_rows"),
    pl.col("user_id").filter(inTrain).nUnique().cast(pl.Float64).alias("train_users"),
    pl.col("user_id").filter(inTrain.not()).nUnique().cast(pl.Float64).alias("test_users"),
  ).collectSync().toRecords() as Record<string, number>[];
  // Users on both sides: those whose rows are not all in one part.
  const [both] = frame.groupBy("user_id").agg(
    inTrain.any().and(inTrain.not().any()).alias("both"),
  ).select(pl.col("both").cast(pl.UInt32).sum().cast(pl.Float64).alias("users"))
    .collectSync().toRecords() as { users: number }[];
  const usersInBoth = Number(both?.users ?? 0);
  return {
    day: chosen,
    dates,
    parts: [
      {
        part: "train",
        rows_where: `as_of ≤ ${chosen}, or null (the snapshot)`,
        rows: Number(counts!.train_rows),
        users: Number(counts!.train_users),
        users_in_both: usersInBoth,
      },
      {
        part: "test",
        rows_where: `as_of > ${chosen}`,
        rows: Number(counts!.test_rows),
        users: Number(counts!.test_users),
        users_in_both: usersInBoth,
      },
    ],
  };
}

function isoDay(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}
