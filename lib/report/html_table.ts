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
}

/**
 * Renders rows as an HTML table with a plain-text twin. Integers get thousands separators, except in
 * identifier-like columns (`id`, `*_id`, `*line*`, `run`); other numbers keep two decimals; null is
 * shown as `NULL`; dates in ISO form; arrays joined with `, `. Text is escaped and clipped.
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
  const cells = shown.map((row) =>
    columns.map((column) => cellText(row[column], column, maxChars))
  );
  const numeric = columns.map((column) =>
    shown.length > 0 && shown.every((row) => isNumeric(row[column]))
  );
  const more = rows.length - shown.length;
  const footer = more > 0 ? `… ${formatNumber(more)} more rows (${rows.length} in all)` : "";
  const html = [
    `<table class="report-table">`,
    options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "",
    `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>`,
    `<tbody>`,
    ...cells.map((row) =>
      `<tr>${
        row.map((cell, i) =>
          numeric[i]
            ? `<td style="text-align:right">${escapeHtml(cell)}</td>`
            : `<td>${escapeHtml(cell)}</td>`
        ).join("")
      }</tr>`
    ),
    `</tbody>`,
    `</table>`,
    footer ? `<p><em>${escapeHtml(footer)}</em></p>` : "",
  ].filter((part) => part !== "").join("\n");
  return new HtmlFragment(html, textTable(columns, cells, numeric, options.caption, footer));
}

function cellText(value: unknown, column: string, maxChars: number): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") {
    if (typeof value === "number" && Number.isInteger(value) && isIdColumn(column)) {
      return String(value);
    }
    if (typeof value === "bigint" && isIdColumn(column)) return String(value);
    return formatNumber(value);
  }
  if (value instanceof Date) return value.toISOString().replace(".000Z", "Z");
  if (Array.isArray(value)) return clip(value.map(String).join(", "), maxChars);
  if (typeof value === "object") return clip(JSON.stringify(value), maxChars);
  return clip(String(value).replaceAll(/\s+/g, " "), maxChars);
}

function isIdColumn(column: string): boolean {
  return /(^|_)(id|run)$|line/i.test(column);
}

function isNumeric(value: unknown): boolean {
  return typeof value === "number" || typeof value === "bigint";
}

function clip(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join("")}…` : text;
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
