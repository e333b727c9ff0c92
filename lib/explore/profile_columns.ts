// Owns the per-column profile of a source frame: type, nulls, Unknown and empty values, distinct values.
/**
 * @example Profile a frame read as text
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { profileColumns } from "./profile_columns.ts";
 * const frame = pl.DataFrame({ Score: ["8.78", "Unknown", "7.50"], Members: ["10", "20", "30.0"] });
 * const [score, members] = profileColumns(frame);
 * assert.equal(score?.unknown, 1);
 * assert.equal(members?.looks_like, "integer written as float");
 * ```
 */
import pl from "nodejs-polars";

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
