// Owns showing the loader's cleaning at work: sample values, a rule on each, a row before and after.
import pl from "nodejs-polars";
import { ANIME_COLUMNS, buildAnimeRow, GENRE_SEPARATOR } from "../transform/anime_row.ts";
import type { Parsed } from "../transform/values.ts";

/** Options of {@link sampleValues}. */
export interface SampleValuesOptions {
  /** Values returned at most; default 6. */
  limit?: number;
}

const SHAPES: [string, RegExp][] = [
  ["missing", /^\s*(unknown)?\s*$/i],
  ["integer", /^[+-]?\d+$/],
  ["integer written as float", /^[+-]?\d+\.0+$/],
  ["decimal", /^[+-]?\d+\.\d+$/],
  ["list", /,/],
  ["padded", /^\s|\s$/],
];

/**
 * Returns the most frequent value of every shape the column holds (missing, integer, integer
 * written as float, decimal, comma-separated list, padded with spaces, other text), then fills up
 * with the next most frequent values. Nulls are left out.
 *
 * @param frame A frame read as text.
 * @param column Column name.
 * @returns Distinct values as written in the file.
 *
 * @example Examples of each shape, most frequent first
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { sampleValues } from "./cleaning.ts";
 * const frame = pl.DataFrame({ Episodes: ["12", "Unknown", "12", "24.0", "1"] });
 * assert.deepEqual(sampleValues(frame, "Episodes", { limit: 3 }), ["12", "24.0", "Unknown"]);
 * ```
 */
export function sampleValues(
  frame: pl.DataFrame,
  column: string,
  options: SampleValuesOptions = {},
): string[] {
  const limit = options.limit ?? 6;
  const counted = (frame.select(pl.col(column).cast(pl.Utf8).alias("value")).filter(
    pl.col("value").isNotNull(),
  ).groupBy("value").len().toRecords() as { value: string; len: number }[])
    .sort((a, b) => Number(b.len) - Number(a.len) || a.value.localeCompare(b.value));
  const shapeOf = (value: string) =>
    SHAPES.find(([, pattern]) => pattern.test(value))?.[0] ?? "text";
  const picked: string[] = [];
  const seenShapes = new Set<string>();
  for (const { value } of counted) {
    const shape = shapeOf(value);
    if (!seenShapes.has(shape)) {
      seenShapes.add(shape);
      picked.push(value);
    }
  }
  for (const { value } of counted) {
    if (picked.length >= limit) break;
    if (!picked.includes(value)) picked.push(value);
  }
  const order = new Map(counted.map(({ value }, i) => [value, i]));
  return picked.slice(0, limit).sort((a, b) => order.get(a)! - order.get(b)!);
}

/** One value before and after a rule. */
export interface CleanedValue {
  /** As written in the file. */
  before: string;
  /** What is loaded: the value (list items joined by ` | `), `NULL`, `(no items)` or `(quarantined)`. */
  after: string;
  /** `kept`, `reformatted`, `missing → NULL`, `missing → no rows` (empty list), or the reject reason and problem. */
  outcome: string;
}

/**
 * Runs a rule from lib/transform/values.ts (the functions the loaders call) on each value.
 *
 * @param values Source values, e.g. from `sampleValues`.
 * @param rule `parseScore`, `parseCount`, `(text) => parseInteger(text, {...})`, …
 * @returns One row per value.
 *
 * @example Scores: Unknown becomes NULL, not 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseScore } from "../transform/values.ts";
 * import { applyCleaningRule } from "./cleaning.ts";
 * const [unknown] = applyCleaningRule(["Unknown"], parseScore);
 * assert.deepEqual(unknown, { before: "Unknown", after: "NULL", outcome: "missing → NULL" });
 * ```
 */
export function applyCleaningRule(
  values: readonly string[],
  rule: (text: string) => Parsed<unknown>,
): CleanedValue[] {
  return values.map((before) => {
    const parsed = rule(before);
    if (!parsed.ok) {
      return { before, after: "(quarantined)", outcome: `${parsed.reason}: ${parsed.problem}` };
    }
    if (parsed.value === null) return { before, after: "NULL", outcome: "missing → NULL" };
    if (Array.isArray(parsed.value) && parsed.value.length === 0) {
      return { before, after: "(no items)", outcome: "missing → no rows" };
    }
    const after = Array.isArray(parsed.value) ? parsed.value.join(" | ") : String(parsed.value);
    return { before, after, outcome: after === before ? "kept" : "reformatted" };
  });
}

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
 *
 * @example Which columns the loader changes
 * ```ts
 * import assert from "node:assert/strict";
 * import { ANIME_COLUMNS } from "../transform/anime_row.ts";
 * import { compareAnimeRow } from "./cleaning.ts";
 * const row: Record<string, string> = Object.fromEntries(ANIME_COLUMNS.map((c) => [c.source, "1"]));
 * Object.assign(row, { Name: "Cowboy Bebop", Score: "Unknown", Genres: "Action, Space" });
 * const changes = compareAnimeRow(row);
 * assert.ok(changes.some((c) => c.column === "Score" && c.after === "NULL"));
 * ```
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
