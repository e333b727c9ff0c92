// Owns the cleaning of one watching_status.csv row into the status dimension.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildWatchingStatusRow } from "./watching_status_row.ts";
 * const row = buildWatchingStatusRow((name) => (name === "status" ? "6" : "Plan to Watch"));
 * assert.ok(row.ok && row.key === 6);
 * ```
 */
import type { BuiltRow } from "./built_row.ts";
import { parseInteger, parseRequiredText } from "./values.ts";

/** Columns read (header names trimmed: the source writes `status, description`). */
export const WATCHING_STATUS_COLUMNS = ["status", "description"] as const;

/** Cleans one row into `anime_watching_status (status, description)` values keyed by status. */
export function buildWatchingStatusRow(get: (name: string) => string): BuiltRow {
  const status = parseInteger(get("status"), { min: 0, max: 32767 });
  if (!status.ok) {
    return { ok: false, reason: status.reason, detail: `column "status": ${status.problem}` };
  }
  const description = parseRequiredText(get("description").trim());
  if (!description.ok) {
    return {
      ok: false,
      reason: description.reason,
      detail: `column "description": ${description.problem}`,
    };
  }
  return { ok: true, key: status.value!, values: [status.value, description.value] };
}
