// Owns the data dictionary: every table and column with its type, key role and COMMENT, as HTML.
/**
 * @example A dictionary of one table
 * ```ts
 * import assert from "node:assert/strict";
 * import { dataDictionary } from "./data_dictionary.ts";
 * const dictionary = dataDictionary([{
 *   schema: "public", name: "anime_master", comment: "One row per anime.", foreignKeys: [],
 *   columns: [{ name: "mal_id", type: "integer", notNull: true, primaryKey: true, comment: "Id." }],
 * }]);
 * assert.ok(dictionary.html.includes("One row per anime.") && dictionary.text.includes("mal_id"));
 * ```
 */
import { HtmlFragment } from "./html_fragment.ts";
import type { CatalogTable } from "../catalog/read_catalog.ts";

/**
 * Lists each table (its COMMENT as the description) and each column: type, `not null`, key role
 * (`PK`, `FK → table.column`) and COMMENT. A closing line counts the tables and columns and names
 * any that lack a COMMENT, so that gaps in the documentation show.
 *
 * @param tables Tables from `readCatalog` or `readModelCatalog`.
 * @returns The dictionary, shown by `show`.
 */
export function dataDictionary(tables: readonly CatalogTable[]): HtmlFragment {
  const html: string[] = [];
  const text: string[] = [];
  const undocumented: string[] = [];
  let columnCount = 0;
  for (const table of tables) {
    if (!table.comment) undocumented.push(table.name);
    html.push(
      `<h4>${escapeHtml(`${table.schema}.${table.name}`)}</h4>`,
      `<p>${escapeHtml(table.comment ?? "(no comment)")}</p>`,
      `<table class="report-table"><thead><tr><th>column</th><th>type</th><th>null</th><th>key</th><th>description</th></tr></thead><tbody>`,
    );
    text.push(`${table.schema}.${table.name}: ${table.comment ?? "(no comment)"}`);
    for (const column of table.columns) {
      columnCount++;
      if (!column.comment) undocumented.push(`${table.name}.${column.name}`);
      const key = keyRole(table, column.name, column.primaryKey);
      const cells = [
        column.name,
        column.type,
        column.notNull ? "not null" : "null",
        key,
        column.comment ?? "(no comment)",
      ];
      html.push(`<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`);
      text.push(`  ${cells.join(" | ")}`);
    }
    html.push(`</tbody></table>`);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const summary = `${plural(tables.length, "table")}, ${plural(columnCount, "column")}; ` +
    (undocumented.length === 0
      ? "every table and column has a COMMENT."
      : `without a COMMENT: ${undocumented.join(", ")}.`);
  html.push(`<p><em>${escapeHtml(summary)}</em></p>`);
  text.push(summary);
  return new HtmlFragment(html.join("\n"), text.join("\n"));
}

function keyRole(table: CatalogTable, column: string, primaryKey: boolean): string {
  const roles = primaryKey ? ["PK"] : [];
  for (const key of table.foreignKeys) {
    const at = key.columns.indexOf(column);
    if (at >= 0) roles.push(`FK → ${key.referencedTable}.${key.referencedColumns[at]}`);
  }
  return roles.join(", ");
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
