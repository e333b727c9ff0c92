// Owns the words for a reference that does not resolve: the key is not in its file, or it was
// there but quarantined.
/**
 * @example Say why an anime id does not resolve
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeMissingReference } from "./missing_reference.ts";
 * const quarantined = new Map([[284, { line: 100, reason: "invalid_value" as const }]]);
 * assert.ok(
 *   describeMissingReference({ column: "anime_id", key: 284, file: "anime.csv" }, quarantined) ===
 *     "anime_id 284 was quarantined in anime.csv (line 100: invalid_value)",
 * );
 * ```
 */
import type { RejectReason } from "./values.ts";

/** Keys of quarantined rows by key: the first such row's line and reason. */
export type QuarantinedKeys = ReadonlyMap<number, { line: number; reason: RejectReason }>;

/**
 * Describes a reference whose key the referenced file does not load.
 *
 * @param reference The referring column, the key and the file it should be in.
 * @param quarantined Keys the referenced file quarantined; default none.
 * @returns `anime_id 284 was quarantined in anime.csv (line 100: invalid_value)`, or
 *   `anime_id 284 is not in anime.csv`.
 */
export function describeMissingReference(
  reference: { column: string; key: number; file: string },
  quarantined: QuarantinedKeys = new Map(),
): string {
  const { column, key, file } = reference;
  const found = quarantined.get(key);
  return found === undefined
    ? `${column} ${key} is not in ${file}`
    : `${column} ${key} was quarantined in ${file} (line ${found.line}: ${found.reason})`;
}
