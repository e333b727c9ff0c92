// Owns sentences with computed figures: a tagged template that formats and escapes each value.
/**
 * @example A sentence whose numbers come from the database
 * ```ts
 * import assert from "node:assert/strict";
 * import { prose } from "./prose.ts";
 * const rows = 199200;
 * const note = prose`The last run loaded ${rows} rows.`;
 * assert.equal(note.text, "The last run loaded 199,200 rows.");
 * ```
 */
import { formatNumber } from "./format.ts";
import { HtmlFragment } from "./html_fragment.ts";

/**
 * Builds a paragraph from literal narration and computed values: numbers get thousands separators
 * and at most two decimals, dates their ISO form, everything is HTML-escaped. A blank line in the
 * literal text starts a new paragraph.
 *
 * @returns The paragraphs, shown by `show`.
 */
export function prose(strings: TemplateStringsArray, ...values: unknown[]): HtmlFragment {
  let text = "";
  strings.forEach((literal, i) => {
    text += literal;
    if (i < values.length) text += valueText(values[i]);
  });
  const paragraphs = text.trim().split(/\n\s*\n/).map((part) =>
    part.replaceAll(/\s+/g, " ").trim()
  );
  return new HtmlFragment(
    paragraphs.map((part) => `<p>${escapeHtml(part)}</p>`).join("\n"),
    paragraphs.join("\n\n"),
  );
}

function valueText(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return formatNumber(value);
  if (value instanceof Date) return value.toISOString().replace(".000Z", "Z");
  if (value === null || value === undefined) return "none";
  return String(value);
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
