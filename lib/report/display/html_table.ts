// Owns rendering rows as a small HTML table (and a text table), the way notebooks show query results.
/**
 * @example Render query rows
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlTable } from "./html_table.ts";
 * const table = htmlTable([{ genre: "Action", anime: 3041, mean_rating: 7.456 }], {
 *   caption: "Top genres",
 * });
 * assert.ok(table.html.includes(">3,041</td>") && table.text.includes("7.46"));
 * ```
 */
import { formatNumber } from "./format.ts";
import { HtmlFragment } from "./html_fragment.ts";

/** Options of {@link htmlTable}. */
export interface HtmlTableOptions {
  /** Caption above the table. */
  caption?: string;
  /** Columns to show, in order; default the keys of the first row. */
  columns?: readonly string[];
  /** Rows shown at most; the rest are counted in a footer line; default 20. */
  maxRows?: number;
  /** Characters kept of a long text value, which then ends with `…`; default 80. */
  maxChars?: number;
  /** How a null value reads; default `NULL` (the dashboard shows `—`). */
  nullText?: string;
}

/**
 * Renders rows as an HTML table with a plain-text twin. Integers get thousands separators, except in
 * identifier-like columns (`id`, `*_id`, `*line*`, `run`); a column holding fractions shows every
 * number with the same decimals (as many as its values have, at most two: `53.0` beside `50.1`);
 * null is shown as `NULL` (or `nullText`); dates in ISO form; arrays joined with `, `. Text is
 * escaped, clipped and isolated (`<bdi>`), so a right-to-left override in a name cannot reorder
 * the text after it; a cell holding a word of more than 20 characters (an S3 key, an ETag) is
 * marked `class="long"`, so a page can let it break anywhere.
 *
 * @param rows Objects such as postgres.js rows or polars `toRecords()` output.
 * @returns The table, shown by `show`.
 */
export function htmlTable(
  rows: readonly Record<string, unknown>[],
  options: HtmlTableOptions = {},
): HtmlFragment {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const maxRows = options.maxRows ?? 20;
  const maxChars = options.maxChars ?? 80;
  const shown = rows.slice(0, maxRows);
  const nullText = options.nullText ?? "NULL";
  const decimals = columns.map((column) => columnDecimals(shown, column));
  const parts = shown.map((row) =>
    columns.map((column, i) => cellParts(row[column], column, maxChars, decimals[i]!, nullText))
  );
  const cells = parts.map((row) => row.map((part) => part.text + part.clipped));
  // A numeric column may have gaps (null): it is still right-aligned.
  const numeric = columns.map((column) =>
    shown.some((row) => isNumeric(row[column])) &&
    shown.every((row) =>
      row[column] === null || row[column] === undefined || isNumeric(row[column])
    )
  );
  const more = rows.length - shown.length;
  const footer = more > 0 ? `… ${formatNumber(more)} more rows (${rows.length} in all)` : "";
  const html = [
    `<table class="report-table">`,
    options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "",
    `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>`,
    `<tbody>`,
    ...parts.map((row) =>
      `<tr>${
        row.map((part, i) =>
          numeric[i]
            ? `<td style="text-align:right">${escapeHtml(part.text)}</td>`
            : part.isolate
            ? `<td${/\S{21}/.test(part.text) ? ' class="long"' : ""}><bdi>${
              escapeHtml(part.text)
            }</bdi>${part.clipped}</td>`
            : `<td>${escapeHtml(part.text)}</td>`
        ).join("")
      }</tr>`
    ),
    `</tbody>`,
    `</table>`,
    footer ? `<p><em>${escapeHtml(footer)}</em></p>` : "",
  ].filter((part) => part !== "").join("\n");
  return new HtmlFragment(html, textTable(columns, cells, numeric, options.caption, footer));
}

interface CellParts {
  text: string;
  /** `…` when the text was clipped, kept outside the isolated text. */
  clipped: string;
  /** Whether the text came from the data (names, keys) and must be bidi-isolated. */
  isolate: boolean;
}

function cellParts(
  value: unknown,
  column: string,
  maxChars: number,
  decimals: number,
  nullText: string,
): CellParts {
  const plain = (text: string): CellParts => ({ text, clipped: "", isolate: false });
  if (value === null || value === undefined) return plain(nullText);
  if (typeof value === "number" || typeof value === "bigint") {
    if (typeof value === "number" && Number.isInteger(value) && isIdColumn(column)) {
      return plain(String(value));
    }
    if (typeof value === "bigint" && isIdColumn(column)) return plain(String(value));
    if (typeof value === "number" && decimals > 0 && Number.isFinite(value)) {
      return plain(value.toLocaleString("en-US", {
        minimumFractionDigits: decimals,
        maximumFractionDigits: decimals,
      }));
    }
    return plain(formatNumber(value));
  }
  if (value instanceof Date) return plain(value.toISOString().replace(".000Z", "Z"));
  if (Array.isArray(value)) return clip(value.map(String).join(", "), maxChars);
  if (typeof value === "object") return clip(JSON.stringify(value), maxChars);
  return clip(String(value).replaceAll(/\s+/g, " "), maxChars);
}

// Decimals of a column: the most any of its fractional numbers has, at most two (0 for integers).
function columnDecimals(rows: readonly Record<string, unknown>[], column: string): number {
  let decimals = 0;
  for (const row of rows) {
    const value = row[column];
    if (typeof value !== "number" || Number.isInteger(value) || !Number.isFinite(value)) continue;
    const tenths = Number(value.toFixed(2)) * 10;
    decimals = Math.max(decimals, Math.abs(tenths - Math.round(tenths)) < 1e-6 ? 1 : 2);
  }
  return decimals;
}

function isIdColumn(column: string): boolean {
  return /(^|_)(id|run)$|line/i.test(column);
}

function isNumeric(value: unknown): boolean {
  return typeof value === "number" || typeof value === "bigint";
}

function clip(text: string, maxChars: number): CellParts {
  const chars = [...text];
  return chars.length > maxChars
    ? { text: chars.slice(0, maxChars - 1).join(""), clipped: "…", isolate: true }
    : { text, clipped: "", isolate: true };
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function textTable(
  columns: readonly string[],
  cells: string[][],
  numeric: boolean[],
  caption: string | undefined,
  footer: string,
): string {
  const widths = columns.map((column, i) =>
    Math.max([...column].length, ...cells.map((row) => [...row[i]!].length))
  );
  const line = (values: readonly string[]) =>
    values.map((value, i) => numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))
      .join("  ").trimEnd();
  return [
    ...(caption ? [caption] : []),
    line(columns),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map(line),
    ...(footer ? [footer] : []),
  ].join("\n");
}
