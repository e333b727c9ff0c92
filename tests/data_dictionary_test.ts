// Tests for the data dictionary: every column with type, nullability, key role and COMMENT.
import assert from "node:assert/strict";
import { dataDictionary } from "../lib/report/display/data_dictionary.ts";
import type { CatalogTable } from "../lib/report/catalog/read_catalog.ts";
import { assertWellFormed } from "./helpers/markup.ts";

const TABLES: CatalogTable[] = [{
  schema: "public",
  name: "anime_list",
  comment: "Fact: one row per anime on a user's list.",
  columns: [
    { name: "user_id", type: "integer", notNull: true, primaryKey: true, comment: "User id." },
    { name: "anime_id", type: "integer", notNull: true, primaryKey: true, comment: "Anime id." },
    { name: "watching_status", type: "smallint", notNull: false, primaryKey: false, comment: null },
  ],
  foreignKeys: [{
    name: "anime_list_anime_id_fkey",
    columns: ["anime_id"],
    referencedSchema: "public",
    referencedTable: "anime_master",
    referencedColumns: ["mal_id"],
    validated: true,
  }],
}];

Deno.test("dataDictionary lists each column with its type, nullability, key role and comment", () => {
  const dictionary = dataDictionary(TABLES);
  assertWellFormed(dictionary.html);
  assert.ok(dictionary.html.includes("<h4>public.anime_list</h4>"));
  assert.ok(dictionary.html.includes("<p>Fact: one row per anime on a user's list.</p>"));
  assert.ok(
    dictionary.html.includes(
      "<tr><td>anime_id</td><td>integer</td><td>not null</td><td>PK, FK → anime_master.mal_id</td><td>Anime id.</td></tr>",
    ),
  );
  assert.ok(
    dictionary.html.includes(
      "<tr><td>watching_status</td><td>smallint</td><td>null</td><td></td><td>(no comment)</td></tr>",
    ),
  );
});

Deno.test("dataDictionary names the tables and columns that lack a COMMENT", () => {
  const missing = dataDictionary(TABLES);
  assert.equal(
    missing.text.split("\n").at(-1),
    "1 table, 3 columns; without a COMMENT: anime_list.watching_status.",
  );
  const documented = dataDictionary([{
    ...TABLES[0]!,
    columns: TABLES[0]!.columns.map((column) => ({
      ...column,
      comment: column.comment ?? "Code.",
    })),
  }]);
  assert.equal(
    documented.text.split("\n").at(-1),
    "1 table, 3 columns; every table and column has a COMMENT.",
  );
});
