// Owns how numbers read in reports: grouped integers, short decimals, bytes and durations with units.
/**
 * @example Format figures for a sentence
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes, formatNumber, formatSeconds } from "./format.ts";
 * assert.equal(formatNumber(199200), "199,200");
 * assert.equal(formatNumber(7.456), "7.46");
 * assert.equal(formatBytes(5_836_845), "5.8 MB");
 * assert.equal(formatSeconds(5400), "1.5 h");
 * ```
 */

/**
 * Formats a number for reading: integers with thousands separators, other values with at most
 * `decimals` decimals (default 2). Non-finite values are written as they are (`NaN`, `Infinity`).
 */
export function formatNumber(value: number | bigint, decimals = 2): string {
  if (typeof value === "bigint") return value.toLocaleString("en-US");
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString("en-US", {
    maximumFractionDigits: Number.isInteger(value) ? 0 : decimals,
  });
}

/** Formats a size in bytes with decimal units (kB, MB, GB, TB; 1 MB = 10^6 bytes), one decimal. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${formatNumber(value)} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Formats a duration given in seconds as s, min or h with one decimal (`42.0 s`, `1.5 h`). */
export function formatSeconds(seconds: number): string {
  if (Math.abs(seconds) < 60) return `${seconds.toFixed(1)} s`;
  if (Math.abs(seconds) < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
