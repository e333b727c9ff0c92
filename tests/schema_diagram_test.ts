// Tests for the schema diagram: one box per table, key columns first, references toward the middle.
import assert from "node:assert/strict";
import type { CatalogColumn, CatalogTable } from "../lib/report/catalog/read_catalog.ts";
import { schemaDiagram } from "../lib/report/display/schema_diagram.ts";
import { assertWellFormed, attributeValues } from "./helpers/markup.ts";

function column(name: string, options: Partial<CatalogColumn> = {}): CatalogColumn {
  return { name, type: "integer", notNull: true, primaryKey: false, comment: null, ...options };
}

function table(
  name: string,
  columns: CatalogColumn[],
  references: [string, string, string][] = [],
): CatalogTable {
  return {
    schema: "public",
    name,
    comment: null,
    columns,
    foreignKeys: references.map(([from, target, to]) => ({
      name: `${name}_${from}_fkey`,
      columns: [from],
      referencedSchema: "public",
      referencedTable: target,
      referencedColumns: [to],
      validated: true,
    })),
  };
}

const STAR = [
  table("anime_master", [column("mal_id", { primaryKey: true }), column("name", { type: "text" })]),
  table("anime_watching_status", [column("status", { primaryKey: true, type: "smallint" })]),
  table("anime_list", [
    column("user_id", { primaryKey: true }),
    column("anime_id", { primaryKey: true }),
    column("rating", { type: "smallint" }),
    column("watching_status", { type: "smallint", notNull: false }),
  ], [["anime_id", "anime_master", "mal_id"], [
    "watching_status",
    "anime_watching_status",
    "status",
  ]]),
  table("anime_meta", [
    column("mal_id", { primaryKey: true }),
    ...Array.from(
      { length: 12 },
      (_, i) => column(`detail_${i}`, { type: "text", notNull: false }),
    ),
  ], [["mal_id", "anime_master", "mal_id"]]),
];

function boxX(svg: string, name: string): number {
  const group = new RegExp(`<g class="table" data-table="${name}">\\n<rect x="([\\d.]+)"`).exec(
    svg,
  );
  assert.ok(group, `box for ${name}`);
  return Number(group[1]);
}

Deno.test("schemaDiagram draws every table and every reference between them", () => {
  const diagram = schemaDiagram(STAR, { title: "Star schema" });
  assertWellFormed(diagram.svg);
  assert.deepEqual(attributeValues(diagram.svg, "data-table").sort(), [
    "anime_list",
    "anime_master",
    "anime_meta",
    "anime_watching_status",
  ]);
  assert.deepEqual(attributeValues(diagram.svg, "data-from"), [
    "anime_list.anime_id",
    "anime_list.watching_status",
    "anime_meta.mal_id",
  ]);
  assert.deepEqual(attributeValues(diagram.svg, "data-to"), [
    "anime_master.mal_id",
    "anime_watching_status.status",
    "anime_master.mal_id",
  ]);
  assert.equal(diagram.description, 'schema diagram "Star schema": 4 tables, 3 references');
});

Deno.test("schemaDiagram puts referenced tables in the middle and referencing ones on both sides", () => {
  const svg = schemaDiagram(STAR, { title: "Star" }).svg;
  const middle = boxX(svg, "anime_master");
  assert.equal(boxX(svg, "anime_watching_status") > middle - 60, true);
  const sides = [boxX(svg, "anime_list"), boxX(svg, "anime_meta")].sort((a, b) => a - b);
  assert.ok(sides[0]! < middle && sides[1]! > middle, `sides ${sides} around ${middle}`);
});

Deno.test("schemaDiagram lists key columns first, marks them, and counts hidden columns", () => {
  const svg = schemaDiagram(STAR, { title: "Star", maxColumns: 4 }).svg;
  const meta = svg.slice(svg.indexOf('data-table="anime_meta"'));
  const names = [...meta.slice(0, meta.indexOf("</g>")).matchAll(/class="column"[^>]*>([^<]*)</g)]
    .map((m) => m[1]);
  assert.deepEqual(names, ["mal_id", "detail_0", "detail_1", "detail_2", "detail_3"]);
  assert.match(meta, />\+ 8 more columns</);
  assert.match(meta, /class="key"[^>]*>PK</);
  const list = svg.slice(svg.indexOf('data-table="anime_list"'));
  assert.match(list.slice(0, list.indexOf("</g>")), /class="key"[^>]*>FK</);
});
