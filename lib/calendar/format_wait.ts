// Owns how long until (or since) something, in words a person reads at a glance.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatWait } from "./format_wait.ts";
 * assert.equal(formatWait(9 * 3_600_000 + 12 * 60_000 + 5_000), "9 h 12 min");
 * assert.equal(formatWait(42_000), "42 s");
 * assert.equal(formatWait(3 * 86_400_000 + 3_600_000), "3 d 1 h");
 * ```
 */

/**
 * Formats a duration in milliseconds with its two largest units (d, h, min, s), rounded down.
 *
 * @param milliseconds Not negative; negative values are treated as 0.
 * @returns E.g. `9 h 12 min`.
 */
export function formatWait(milliseconds: number): string {
  let seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const units: [string, number][] = [["d", 86_400], ["h", 3_600], ["min", 60], ["s", 1]];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.filter((part) => !part.startsWith("0 ")).join(" ") : "0 s";
}
