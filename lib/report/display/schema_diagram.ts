// Owns drawing tables and their references as an SVG diagram, laid out from the catalog alone.
/**
 * @example Draw two tables and their reference
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemaDiagram } from "./schema_diagram.ts";
 * const column = (name: string, primaryKey = false) =>
 *   ({ name, type: "integer", notNull: true, primaryKey, comment: null });
 * const diagram = schemaDiagram([
 *   { schema: "public", name: "anime_master", comment: null, columns: [column("mal_id", true)], foreignKeys: [] },
 *   {
 *     schema: "public", name: "anime_list", comment: null, columns: [column("anime_id")],
 *     foreignKeys: [{ name: "fk", columns: ["anime_id"], referencedSchema: "public",
 *       referencedTable: "anime_master", referencedColumns: ["mal_id"], validated: true }],
 *   },
 * ], { title: "Star schema" });
 * assert.ok(diagram.svg.includes('data-from="anime_list.anime_id" data-to="anime_master.mal_id"'));
 * ```
 */
import type { CatalogTable } from "../catalog/read_catalog.ts";
import { SvgImage } from "./svg_image.ts";
import { clipText, escapeXml, px, svgDocument, textWidth } from "./_svg.ts";

/** Options of {@link schemaDiagram}. */
export interface SchemaDiagramOptions {
  /** Diagram title. */
  title: string;
  /** Columns drawn per table besides key columns; the rest are counted in a `+ N more` row; default 8. */
  maxColumns?: number;
}

const HEADER = 24;
const ROW = 17;
const GAP = 22;
const COLUMN_GAP = 90;
const MARGIN = 20;

interface Box {
  table: CatalogTable;
  rows: string[];
  hidden: number;
  width: number;
  height: number;
  x: number;
  y: number;
}

/**
 * Lays the tables out in three columns: referenced tables (dimensions) and unconnected ones in the
 * middle; tables that hold references but are not referenced (facts, details) spread left and right
 * of them, fact tables first, so that every reference points toward the middle. Each table is
 * a `<g class="table" data-table="name">` listing key columns first (marked PK/FK) and each
 * reference is a `<path class="reference" data-from="t.col" data-to="t.col">` with an arrow head.
 *
 * @param tables Tables from `readCatalog` or `readModelCatalog`.
 * @returns The diagram, shown inline by `show`.
 */
export function schemaDiagram(
  tables: readonly CatalogTable[],
  options: SchemaDiagramOptions,
): SvgImage {
  const names = new Set(tables.map((table) => table.name));
  const maxColumns = options.maxColumns ?? 8;
  const boxes = new Map(tables.map((table) => [table.name, makeBox(table, maxColumns)]));
  const references = tables.flatMap((table) =>
    table.foreignKeys.filter((key) =>
      names.has(key.referencedTable) && key.referencedTable !== table.name
    )
      .map((key) => ({ from: table.name, key }))
  );
  const referenced = new Set(references.map((reference) => reference.key.referencedTable));
  const middle: Box[] = [];
  const left: Box[] = [];
  const right: Box[] = [];
  const holders = [...boxes.values()].filter((box) =>
    box.table.foreignKeys.length > 0 && !referenced.has(box.table.name)
  )
    .sort((a, b) => b.table.foreignKeys.length - a.table.foreignKeys.length || b.height - a.height);
  for (const box of boxes.values()) if (!holders.includes(box)) middle.push(box);
  for (const box of holders) (columnHeight(left) <= columnHeight(right) ? left : right).push(box);
  const widthOf = (column: Box[]) => Math.max(0, ...column.map((box) => box.width));
  const height = Math.max(columnHeight(left), columnHeight(middle), columnHeight(right)) + 40 +
    2 * MARGIN;
  const x0 = MARGIN;
  const x1 = left.length > 0 ? x0 + widthOf(left) + COLUMN_GAP : x0;
  const x2 = x1 + widthOf(middle) + (right.length > 0 ? COLUMN_GAP : 0);
  const width = x2 + widthOf(right) + MARGIN;
  place(left, x0, widthOf(left), height, "right");
  place(middle, x1, widthOf(middle), height, "centre");
  place(right, x2, widthOf(right), height, "left");
  const parts = [
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
  ];
  for (const { from, key } of references) {
    const source = boxes.get(from)!;
    const target = boxes.get(key.referencedTable)!;
    const sourceY = rowY(source, key.columns[0]!);
    const targetY = rowY(target, key.referencedColumns[0]!);
    const towardsRight = source.x < target.x;
    const sx = towardsRight ? source.x + source.width : source.x;
    const tx = towardsRight ? target.x : target.x + target.width;
    const bend = (tx - sx) / 2;
    parts.push(
      `<path class="reference" data-from="${
        escapeXml(`${from}.${key.columns.join(",")}`)
      }" data-to="${escapeXml(`${key.referencedTable}.${key.referencedColumns.join(",")}`)}" d="M${
        px(sx)
      },${px(sourceY)} C${px(sx + bend)},${px(sourceY)} ${px(tx - bend)},${px(targetY)} ${px(tx)},${
        px(targetY)
      }" fill="none" stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>`,
    );
  }
  for (const box of boxes.values()) parts.push(drawBox(box));
  const description =
    `schema diagram "${options.title}": ${tables.length} tables, ${references.length} references`;
  return new SvgImage(svgDocument(width, height, options.title, parts), description);
}

function makeBox(table: CatalogTable, maxColumns: number): Box {
  const keyColumns = new Set(table.foreignKeys.flatMap((key) => key.columns));
  const isKey = (name: string) =>
    keyColumns.has(name) || table.columns.some((c) => c.name === name && c.primaryKey);
  const keys = table.columns.filter((column) => isKey(column.name));
  const others = table.columns.filter((column) => !isKey(column.name));
  // Showing "+ 1 more" takes the row the column itself would take.
  const shownOthers = others.length <= maxColumns + 1 ? others : others.slice(0, maxColumns);
  const rows = [...keys, ...shownOthers].map((column) => column.name);
  const hidden = others.length - shownOthers.length;
  const lineWidth = Math.max(
    textWidth(table.name, 13, true) + 16,
    ...table.columns.map((column) =>
      34 + textWidth(column.name) + 14 + textWidth(shortType(column.type), 11)
    ),
  );
  const width = Math.min(320, Math.max(170, lineWidth + 12));
  const height = HEADER + (rows.length + (hidden > 0 ? 1 : 0)) * ROW + 6;
  return { table, rows, hidden, width, height, x: 0, y: 0 };
}

function columnHeight(column: Box[]): number {
  return column.reduce((sum, box) => sum + box.height, 0) + Math.max(0, column.length - 1) * GAP;
}

function place(column: Box[], x: number, width: number, height: number, align: string) {
  let y = 40 + MARGIN + (height - 40 - 2 * MARGIN - columnHeight(column)) / 2;
  for (const box of column) {
    box.x = align === "right"
      ? x + width - box.width
      : align === "centre"
      ? x + (width - box.width) / 2
      : x;
    box.y = y;
    y += box.height + GAP;
  }
}

function rowY(box: Box, column: string): number {
  const index = box.rows.indexOf(column);
  return box.y + HEADER + (Math.max(0, index) + 0.5) * ROW + 3;
}

function drawBox(box: Box): string {
  const { table } = box;
  const foreign = new Set(table.foreignKeys.flatMap((key) => key.columns));
  const parts = [
    `<g class="table" data-table="${escapeXml(table.name)}">`,
    `<rect x="${px(box.x)}" y="${px(box.y)}" width="${px(box.width)}" height="${
      px(box.height)
    }" rx="4" fill="#fbfbfb" stroke="#4c78a8"/>`,
    `<rect x="${px(box.x)}" y="${px(box.y)}" width="${
      px(box.width)
    }" height="${HEADER}" rx="4" fill="#4c78a8"/>`,
    `<text x="${px(box.x + 8)}" y="${
      px(box.y + 17)
    }" font-size="13" font-weight="bold" fill="#fff">${
      escapeXml(clipText(table.name, box.width - 16, 13))
    }</text>`,
  ];
  box.rows.forEach((name, i) => {
    const column = table.columns.find((c) => c.name === name)!;
    const y = box.y + HEADER + (i + 1) * ROW;
    const tag = column.primaryKey ? "PK" : foreign.has(name) ? "FK" : "";
    if (tag) {
      parts.push(
        `<text class="key" x="${px(box.x + 8)}" y="${
          px(y)
        }" font-size="10" font-weight="bold" fill="${
          tag === "PK" ? "#b8860b" : "#2e7d32"
        }">${tag}</text>`,
      );
    }
    const type = shortType(column.type);
    parts.push(
      `<text class="column" x="${px(box.x + 34)}" y="${px(y)}" fill="#222"${
        column.notNull ? ' font-weight="bold"' : ""
      }>${escapeXml(clipText(name, box.width - 56 - textWidth(type, 11)))}</text>`,
      `<text x="${px(box.x + box.width - 8)}" y="${
        px(y)
      }" text-anchor="end" font-size="11" fill="#777">${escapeXml(type)}</text>`,
    );
  });
  if (box.hidden > 0) {
    parts.push(
      `<text x="${px(box.x + 34)}" y="${
        px(box.y + HEADER + (box.rows.length + 1) * ROW)
      }" font-size="11" font-style="italic" fill="#777">+ ${box.hidden} more columns</text>`,
    );
  }
  parts.push(`</g>`);
  return parts.join("\n");
}

function shortType(type: string): string {
  return type.replace("timestamp with time zone", "timestamptz").replace(
    "character varying",
    "varchar",
  );
}
