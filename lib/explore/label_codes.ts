// Owns naming coded bars after a dimension, e.g. watching_status 2 → "2 Completed".
/**
 * @example Name status codes, flagging one the dimension lacks
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { labelCodes } from "./label_codes.ts";
 * const statuses = pl.DataFrame({ status: ["1", "2"], description: ["Currently Watching", "Completed"] });
 * const bars = labelCodes([{ label: "2", value: 9 }, { label: "5", value: 1 }], statuses, {
 *   key: "status", name: "description",
 * });
 * assert.deepEqual(bars.map((bar) => bar.label), ["2 Completed", "5 (not in the dimension)"]);
 * ```
 */
import type pl from "nodejs-polars";
import type { Bar } from "../report/bar_chart.ts";

/** Options of {@link labelCodes}. */
export interface LabelCodesOptions {
  /** The dimension's code column. */
  key: string;
  /** The dimension's name column. */
  name: string;
  /** Text for a code the dimension lacks; default `(not in the dimension)`. */
  missing?: string;
}

/**
 * Appends the dimension's name to each bar's code label (codes compared as trimmed text).
 *
 * @param bars Bars labelled with codes, e.g. from `countValues`.
 * @param dimension The frame defining the codes.
 * @returns New bars, same order and values.
 */
export function labelCodes(
  bars: readonly Bar[],
  dimension: pl.DataFrame,
  options: LabelCodesOptions,
): Bar[] {
  const names = new Map<string, string>();
  for (const row of dimension.toRecords()) {
    names.set(String(row[options.key] ?? "").trim(), String(row[options.name] ?? "").trim());
  }
  return bars.map((bar) => ({
    label: `${bar.label} ${
      names.get(bar.label.trim()) ?? options.missing ?? "(not in the dimension)"
    }`,
    value: bar.value,
  }));
}
