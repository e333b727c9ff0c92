// Private helpers of the dashboard page: escaping, and how times and ages read on it.
import { formatInstant } from "../calendar/format_instant.ts";
import { formatWait } from "../calendar/format_wait.ts";

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** Wall time in the zone plus UTC, or an em dash for no time. */
export function formatTime(instant: Date | null | undefined, timeZone: string): string {
  return instant ? formatInstant(instant, timeZone) : "—";
}

/**
 * `3 h 5 min ago at writing`, or an em dash for no age. The page is static: an age is true when it
 * was written (the "Generated" time at the top), so it is labelled as such and shown next to the
 * absolute instant.
 */
export function formatAge(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined
    ? "—"
    : `${formatWait(seconds * 1000)} ago at writing`;
}

/**
 * Wraps text from the data (an error holding an S3 key, a name) in a first-strong isolate
 * (U+2068 ... U+2069), so a right-to-left override inside it cannot reorder the sentence after it.
 */
export function isolated(text: string): string {
  return `\u2068${text}\u2069`;
}
