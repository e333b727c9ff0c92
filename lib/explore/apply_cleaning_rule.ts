// Owns showing a cleaning rule at work: each source value beside what the loader makes of it.
/**
 * @example Scores: Unknown becomes NULL, not 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseScore } from "../transform/values.ts";
 * import { applyCleaningRule } from "./apply_cleaning_rule.ts";
 * const [unknown] = applyCleaningRule(["Unknown"], parseScore);
 * assert.deepEqual(unknown, { before: "Unknown", after: "NULL", outcome: "missing → NULL" });
 * ```
 */
import type { Parsed } from "../transform/values.ts";

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
