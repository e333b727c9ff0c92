// Tests for mapping CSV headers to required columns by trimmed name, in either dataset form.
import assert from "node:assert/strict";
import { PipelineError } from "../lib/errors.ts";
import { mapHeaderNames } from "../lib/extract/header_map.ts";

const ANIME_LIST = ["user_id", "anime_id", "rating", "watching_status", "watched_episodes"];

Deno.test("mapHeaderNames finds required columns by trimmed name", async (t) => {
  const cases: {
    name: string;
    names: string[];
    required: string[];
    index: [string, number][];
    ignored: string[];
  }[] = [
    {
      name: "Kaggle header in order",
      names: [...ANIME_LIST],
      required: ANIME_LIST,
      index: [["user_id", 0], ["anime_id", 1], ["rating", 2], ["watching_status", 3], [
        "watched_episodes",
        4,
      ]],
      ignored: [],
    },
    {
      name: "names with surrounding spaces (status, description)",
      names: ["status", " description"],
      required: ["status", "description"],
      index: [["status", 0], ["description", 1]],
      ignored: [],
    },
    {
      name: "pandas index column with an empty name is not ignored",
      names: ["", "status", " description"],
      required: ["status", "description"],
      index: [["status", 1], ["description", 2]],
      ignored: [],
    },
    {
      name: "pandas index column read back as Unnamed: 0 is not ignored",
      names: ["Unnamed: 0", "MAL_ID", "Name"],
      required: ["MAL_ID", "Name"],
      index: [["MAL_ID", 1], ["Name", 2]],
      ignored: [],
    },
    {
      name: "extra columns are listed as ignored, in source order",
      names: ["", "MAL_ID", "Name", "Score", "Genres", "sypnopsis"],
      required: ["MAL_ID", "sypnopsis"],
      index: [["MAL_ID", 1], ["sypnopsis", 5]],
      ignored: ["Name", "Score", "Genres"],
    },
    {
      name: "reordered columns",
      names: ["watched_episodes", "rating", "anime_id", "watching_status", "user_id"],
      required: ANIME_LIST,
      index: [["user_id", 4], ["anime_id", 2], ["rating", 1], ["watching_status", 3], [
        "watched_episodes",
        0,
      ]],
      ignored: [],
    },
    {
      name: "two empty names are not repeats",
      names: ["", "a", ""],
      required: ["a"],
      index: [["a", 1]],
      ignored: [],
    },
  ];
  for (const { name, names, required, index, ignored } of cases) {
    await t.step(name, () => {
      const header = mapHeaderNames(names, required, "anime.csv");
      assert.deepEqual([...header.index.entries()], index);
      assert.deepEqual(header.ignored, ignored);
      assert.equal(header.fieldCount, names.length);
    });
  }
});

Deno.test("mapHeaderNames refuses headers it cannot map", async (t) => {
  const cases: { name: string; names: string[]; required: string[]; message: string }[] = [
    {
      name: "one missing column",
      names: ["user_id", "anime_id", "rating", "watched_episodes"],
      required: ANIME_LIST,
      message: 'Cannot map columns of "data/animelist.csv": missing required ' +
        '"watching_status"; found "user_id", "anime_id", "rating", "watched_episodes"',
    },
    {
      name: "several missing columns, found names trimmed",
      names: ["", "status ", " descr"],
      required: ["status", "description", "code"],
      message: 'Cannot map columns of "data/animelist.csv": missing required "description", ' +
        '"code"; found "", "status", "descr"',
    },
    {
      name: "names differ only in case",
      names: ["MAL_ID", "name"],
      required: ["MAL_ID", "Name"],
      message: 'Cannot map columns of "data/animelist.csv": missing required "Name"; found ' +
        '"MAL_ID", "name"',
    },
    {
      name: "repeated name",
      names: ["user_id", "anime_id", "rating", "rating", "watching_status", "watched_episodes"],
      required: ANIME_LIST,
      message: 'Cannot map columns of "data/animelist.csv": repeated column names "rating"',
    },
    {
      name: "repeats after trimming, each named once",
      names: ["a", " a", "b", "b ", "a"],
      required: ["a", "b"],
      message: 'Cannot map columns of "data/animelist.csv": repeated column names "a", "b"',
    },
  ];
  for (const { name, names, required, message } of cases) {
    await t.step(name, () => {
      assert.throws(() => mapHeaderNames(names, required, "data/animelist.csv"), (error) => {
        assert.ok(error instanceof PipelineError);
        assert.equal(error.code, "CSV_HEADER");
        assert.equal(error.stage, "extract");
        assert.equal(error.message, message);
        return true;
      });
    });
  }
});
