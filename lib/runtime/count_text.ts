// Owns writing a count as en-US does (1,234,567) without Intl: a process's first toLocaleString
// loads ICU's number formatting, 25-31 ms of every `deno task etl` on the bench's machine.
/**
 * @example The same text as `toLocaleString("en-US")`
 * ```ts
 * import assert from "node:assert/strict";
 * import { countText } from "./count_text.ts";
 * assert.equal(countText(7_968_000), "7,968,000");
 * assert.equal(countText(-1_000), "-1,000");
 * assert.equal(countText(999), "999");
 * assert.equal(countText(2.5), (2.5).toLocaleString("en-US"));
 * ```
 */

/**
 * A number in the text `toLocaleString("en-US")` gives it; an integer (every count of a run) is
 * grouped by hand, anything else is left to Intl.
 */
export function countText(value: number): string {
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return value.toLocaleString("en-US");
  const digits = String(Math.abs(value));
  let text = digits.slice(0, digits.length % 3 || 3);
  for (let at = text.length; at < digits.length; at += 3) text += `,${digits.slice(at, at + 3)}`;
  return value < 0 ? `-${text}` : text;
}
