// Owns how the scheduler writes instants: local wall time in the schedule's zone, plus UTC.
/**
 * @example A Berlin trigger time
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatInstant } from "./format_instant.ts";
 * assert.equal(
 *   formatInstant(new Date("2026-05-02T05:00:00Z"), "Europe/Berlin"),
 *   "2026-05-02 07:00 Europe/Berlin (2026-05-02T05:00:00Z)",
 * );
 * assert.equal(formatInstant(new Date("2026-05-02T07:00:00Z"), "UTC"), "2026-05-02 07:00 UTC");
 * ```
 */

/**
 * Formats an instant as `YYYY-MM-DD HH:MM ZONE`, followed by the UTC instant in ISO form unless the
 * zone is UTC.
 *
 * @param instant The instant.
 * @param timeZone IANA time zone to show the wall time in.
 * @returns The text.
 */
export function formatInstant(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(instant).map((part) => [part.type, part.value]),
  );
  const local =
    `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return local;
  return `${local} (${instant.toISOString().replace(/\.000Z$/, "Z")})`;
}
