// Tests for HTML tables: formatting by value type, escaping, row limits, the plain-text twin.
import assert from "node:assert/strict";
import { htmlTable } from "../lib/report/display/html_table.ts";
import { assertWellFormed } from "./helpers/markup.ts";

Deno.test("htmlTable formats each kind of value for reading", async (t) => {
  const cases: { name: string; row: Record<string, unknown>; column: string; cell: string }[] = [
    { name: "integer count grouped", row: { rows: 199200 }, column: "rows", cell: "199,200" },
    { name: "identifier not grouped", row: { mal_id: 44799 }, column: "mal_id", cell: "44799" },
    {
      name: "line number not grouped",
      row: { line_number: 12345 },
      column: "line_number",
      cell: "12345",
    },
    { name: "decimal to two places", row: { mean: 7.456 }, column: "mean", cell: "7.46" },
    {
      name: "bigint grouped",
      row: { bytes: 12345678901n },
      column: "bytes",
      cell: "12,345,678,901",
    },
    { name: "null", row: { score: null }, column: "score", cell: "NULL" },
    {
      name: "date in ISO form",
      row: { at: new Date("2026-01-02T03:04:05Z") },
      column: "at",
      cell: "2026-01-02T03:04:05Z",
    },
    {
      name: "array joined",
      row: { ignored: ["Name", "Score"] },
      column: "ignored",
      cell: "Name, Score",
    },
    { name: "whitespace collapsed", row: { raw: "a\n  b" }, column: "raw", cell: "a b" },
  ];
  for (const { name, row, column, cell } of cases) {
    await t.step(name, () => {
      const table = htmlTable([row]);
      assertWellFormed(table.html);
      assert.match(table.html, new RegExp(`<td[^>]*>(?:<bdi>)?${cell}(?:</bdi>)?</td>`));
      assert.ok(table.text.split("\n")[2]!.includes(cell), table.text);
      assert.equal(table.text.split("\n")[0]!.trim(), column);
    });
  }
});

Deno.test("htmlTable escapes text and clips long values", () => {
  const table = htmlTable([{ name: `<b>"Gintama°" & co</b>`, synopsis: "x".repeat(200) }], {
    caption: "A & B",
    maxChars: 30,
  });
  assertWellFormed(table.html);
  assert.ok(table.html.includes("<caption>A &amp; B</caption>"));
  assert.ok(table.html.includes("&lt;b&gt;&quot;Gintama°&quot; &amp; co&lt;/b&gt;"));
  assert.ok(table.html.includes(`<td class="long"><bdi>${"x".repeat(29)}</bdi>…</td>`));
});

Deno.test("htmlTable shows at most maxRows rows and says how many it left out", () => {
  const rows = Array.from({ length: 25 }, (_, i) => ({ n: i }));
  const table = htmlTable(rows, { maxRows: 3 });
  assert.equal(table.html.match(/<tr>/g)?.length, 4); // header and three rows
  assert.ok(table.html.includes("… 22 more rows (25 in all)"));
  assert.equal(table.text.split("\n").at(-1), "… 22 more rows (25 in all)");
});

Deno.test("htmlTable keeps the given column order and renders an empty result", () => {
  const table = htmlTable([{ a: 1, b: 2 }], { columns: ["b", "a"] });
  assert.ok(table.html.includes("<th>b</th><th>a</th>"));
  const empty = htmlTable([], { columns: ["genre"], caption: "None" });
  assertWellFormed(empty.html);
  assert.ok(empty.html.includes("<th>genre</th>"));
});

Deno.test("htmlTable shows a column's numbers with one count of decimals", () => {
  const table = htmlTable([
    { percent: 53, mean: 9.11, count: 3 },
    { percent: 50.1, mean: 9, count: 12 },
    { percent: 7, mean: null, count: 1200 },
  ], { nullText: "—" });
  assertWellFormed(table.html);
  const cells = [...table.html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((match) => match[1]);
  assert.deepEqual(cells, ["53.0", "9.11", "3", "50.1", "9.00", "12", "7.0", "—", "1,200"]);
  // A column with a gap (null) is still a numeric, right-aligned column.
  assert.equal(table.html.match(/<td style="text-align:right">/g)?.length, 9);
  assert.ok(!table.html.includes("NULL"));
});

Deno.test("htmlTable isolates text from the data, and marks cells with long words", () => {
  const table = htmlTable([
    { name: "\u202Eabc", key: "Anime_Recommendation_Dataset/anime.csv", n: 1 },
  ]);
  assertWellFormed(table.html);
  assert.ok(table.html.includes("<td><bdi>\u202Eabc</bdi></td>"), table.html);
  assert.ok(
    table.html.includes('<td class="long"><bdi>Anime_Recommendation_Dataset/anime.csv</bdi></td>'),
  );
  assert.ok(table.html.includes('<td style="text-align:right">1</td>'));
});
