// Unit tests of the source table: one entry per source file, loaded in the order its keys need.
import assert from "node:assert/strict";
import { SOURCE_FILES } from "../lib/extract/source_objects.ts";
import type { KeyKind, SourceSpec } from "../lib/load/file_load.ts";
import { loadOrder, SOURCE_TABLE } from "../lib/load/source_table.ts";

function spec(file: string, provides: KeyKind | undefined, needs: KeyKind[]): SourceSpec {
  return {
    file: file as SourceSpec["file"],
    columns: [],
    copy: "load/none",
    ...(provides ? { provides } : {}),
    needs,
    load: () => Promise.reject(new Error("not loaded in this test")),
  };
}

Deno.test("SOURCE_TABLE describes each source file once, with its columns and COPY", () => {
  assert.deepEqual(SOURCE_TABLE.map((entry) => entry.file).sort(), [...SOURCE_FILES].sort());
  for (const entry of SOURCE_TABLE) {
    assert.ok(entry.columns.length > 0, entry.file);
    assert.match(entry.copy, /^load\/copy_/, entry.file);
  }
  assert.deepEqual(
    SOURCE_TABLE.map((entry) => [entry.file, entry.provides ?? null, entry.needs]),
    [
      ["watching_status.csv", "watching_status", []],
      ["anime.csv", "anime_id", []],
      ["anime_with_synopsis.csv", null, ["anime_id"]],
      ["animelist.csv", null, ["anime_id", "watching_status"]],
    ],
  );
});

Deno.test("loadOrder puts the files providing keys before the files needing them", async (t) => {
  await t.step("the table's own order when it already respects the keys", () => {
    assert.deepEqual(loadOrder(SOURCE_TABLE).map((entry) => entry.file), [
      "watching_status.csv",
      "anime.csv",
      "anime_with_synopsis.csv",
      "animelist.csv",
    ]);
  });
  await t.step("the same dependencies from the table reversed", () => {
    const order = loadOrder([...SOURCE_TABLE].reverse()).map((entry) => entry.file);
    assert.deepEqual(order, [
      "anime.csv",
      "watching_status.csv",
      "animelist.csv",
      "anime_with_synopsis.csv",
    ]);
  });
  await t.step("a new entry needs no other change: it loads after what it needs", () => {
    const delta = spec("animelist_updates/2026-12-01.csv", undefined, ["anime_id"]);
    const order = loadOrder([delta, ...SOURCE_TABLE]).map((entry) => entry.file);
    assert.ok(order.indexOf(delta.file) > order.indexOf("anime.csv"), order.join(", "));
  });
  const refusals: [string, SourceSpec[], string][] = [
    [
      "a kind no file provides",
      [spec("a.csv", undefined, ["anime_id"])],
      "Cannot order the sources: no file provides the anime_id keys a.csv needs",
    ],
    [
      "a kind two files provide",
      [spec("a.csv", "anime_id", []), spec("b.csv", "anime_id", [])],
      "Cannot order the sources: anime_id keys come from both a.csv and b.csv",
    ],
    [
      "files that need each other's keys",
      [
        spec("a.csv", "anime_id", ["watching_status"]),
        spec("b.csv", "watching_status", ["anime_id"]),
      ],
      "Cannot order the sources: a.csv, b.csv need each other's keys",
    ],
  ];
  for (const [name, table, message] of refusals) {
    await t.step(`refuses ${name}`, () => {
      assert.throws(() => loadOrder(table), { message });
    });
  }
});
