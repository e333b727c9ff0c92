// Tests for the polars helpers of lib/explore: profiles, counts, duplicates, references, cleaning.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { concatBytes, parseCsvFrame, RecordBoundaries } from "../lib/explore/_csv_frame.ts";
import { applyCleaningRule, compareAnimeRow, sampleValues } from "../lib/explore/cleaning.ts";
import {
  countDuplicateRows,
  countListItems,
  countValues,
  findDuplicateKeys,
  listLengths,
  numericValues,
  summariseDuplicates,
} from "../lib/explore/counts.ts";
import { findMissingReferences, labelCodes } from "../lib/explore/references.ts";
import { listFindings } from "../lib/explore/findings.ts";
import { compareProfiles, profileAnimeList, profileColumns } from "../lib/explore/profiles.ts";
import { mimeBundle } from "../lib/report/display/show.ts";
import { parseCount, parseScore } from "../lib/transform/values.ts";
import { ANIME_HEADER, animeCsv, animeLine, csvField } from "./helpers/fixtures.ts";

const FIXTURES = new URL("./fixtures/kaggle-2020-sample/", import.meta.url);
const encoder = new TextEncoder();

async function fixture(name: string, text = false): Promise<pl.DataFrame> {
  return parseCsvFrame(await Deno.readFile(new URL(name, FIXTURES)), text);
}

function animeFrame(lines: string[]): pl.DataFrame {
  const csv = [ANIME_HEADER.map(csvField).join(","), ...lines].join("\n") + "\n";
  return parseCsvFrame(encoder.encode(csv), true);
}

Deno.test("parseCsvFrame trims header names, drops a BOM and keeps Unknown as text", async () => {
  const statuses = await fixture("watching_status.csv", true);
  assert.deepEqual(statuses.columns, ["status", "description"]);
  const withBom = parseCsvFrame(encoder.encode("\ufeff,MAL_ID, Score\n0,1,Unknown\n"), true);
  assert.deepEqual(withBom.columns, ["", "MAL_ID", "Score"]);
  assert.deepEqual(withBom.toRecords(), [{ "": "0", MAL_ID: "1", Score: "Unknown" }]);
});

Deno.test("RecordBoundaries finds record ends outside quotes, across chunk boundaries", async (t) => {
  const text = 'id,synopsis\n1,"two\nlines, and ""quotes"""\n2,plain\n';
  const expected = [12, 42, 50];
  for (const size of [1, 2, 3, 7, text.length]) {
    await t.step(`chunks of ${size} bytes`, () => {
      const bytes = encoder.encode(text);
      const boundaries = new RecordBoundaries();
      const ends: number[] = [];
      for (let at = 0; at < bytes.length; at += size) {
        ends.push(...boundaries.scan(bytes.subarray(at, at + size)).map((end) => end + at));
      }
      assert.deepEqual(ends, expected);
      assert.deepEqual(concatBytes([bytes.subarray(0, 5), bytes.subarray(5)]), bytes);
    });
  }
});

Deno.test("profileColumns reports types, nulls, Unknown, distinct values and value shapes", () => {
  const anime = animeFrame([
    animeLine(1, { Score: "8.78", "Score-10": "229170.0", Episodes: "26" }),
    animeLine(2, { Score: "Unknown", "Score-10": "Unknown", Episodes: " unknown " }),
    animeLine(3, { Score: "7.50", "Score-10": "12.0", Episodes: "" }),
  ]);
  const byName = new Map(profileColumns(anime).map((profile) => [profile.column, profile]));
  assert.deepEqual(byName.get("Score"), {
    column: "Score",
    type: "String",
    nulls: 0,
    unknown: 1,
    distinct: 3,
    looks_like: "decimal",
    example: "8.78",
  });
  assert.equal(byName.get("Score-10")?.looks_like, "integer written as float");
  assert.equal(byName.get("Episodes")?.looks_like, "integer");
  assert.equal(byName.get("Episodes")?.unknown, 1);
  assert.equal(byName.get("Episodes")?.nulls, 1);
  assert.equal(byName.get("Name")?.looks_like, "text");
  const [integers, decimals] = profileColumns(pl.DataFrame([
    pl.Series("rating", [0, 7, 10], pl.Int64),
    pl.Series("score", [8.5, 7, null]),
  ]));
  assert.deepEqual([integers?.type, integers?.looks_like, integers?.nulls], [
    "Int64",
    "integer",
    0,
  ]);
  assert.deepEqual([decimals?.type, decimals?.looks_like, decimals?.nulls], [
    "Float64",
    "decimal",
    1,
  ]);
});

Deno.test("countValues counts each value, sorted by count or by value", async (t) => {
  const frame = pl.DataFrame({ status: [2, 2, 10, 1, 2, null, 1] });
  await t.step("by count, ties by label", () => {
    assert.deepEqual(countValues(frame, "status"), [
      { label: "2", value: 3 },
      { label: "1", value: 2 },
      { label: "(null)", value: 1 },
      { label: "10", value: 1 },
    ]);
  });
  await t.step("by value, numerically", () => {
    assert.deepEqual(countValues(frame, "status", { sort: "value" }).map((bar) => bar.label), [
      "1",
      "2",
      "10",
      "(null)",
    ]);
  });
  await t.step("limited", () => {
    assert.equal(countValues(frame, "status", { limit: 2 }).length, 2);
  });
});

Deno.test("countListItems splits with the loader's rule; a naive split double-counts", () => {
  const frame = pl.DataFrame({
    Genres: ["Action, Comedy", "Comedy, Action, Action", "Unknown", null, ""],
  });
  assert.deepEqual(countListItems(frame, "Genres"), [
    { label: "Action", value: 2 },
    { label: "Comedy", value: 2 },
  ]);
  const naive = countListItems(frame, "Genres", { split: (text) => text.split(",") });
  assert.deepEqual(naive.map((bar) => bar.label).sort(), [
    " Action",
    " Comedy",
    "Action",
    "Comedy",
  ]);
});

Deno.test("countDuplicateRows ignores the pandas index; findDuplicateKeys counts repeats", () => {
  const list = pl.DataFrame({
    "": [0, 1, 2, 3, 4],
    user_id: [1, 1, 1, 2, 2],
    anime_id: [5, 5, 6, 5, 5],
    rating: [7, 7, 0, 3, 4],
  });
  assert.equal(countDuplicateRows(list), 1);
  assert.equal(countDuplicateRows(list, { ignore: [] }), 0);
  assert.deepEqual(findDuplicateKeys(list, ["user_id", "anime_id"]), {
    key: ["user_id", "anime_id"],
    keys: 2,
    extraRows: 2,
    examples: [{ user_id: 1, anime_id: 5, rows: 2 }, { user_id: 2, anime_id: 5, rows: 2 }],
  });
  assert.deepEqual(findDuplicateKeys(list, ["rating"]).keys, 1);
});

Deno.test("summariseDuplicates puts both counts of one file and key in a table row", () => {
  const list = pl.DataFrame({
    "": [0, 1, 2, 3, 4],
    user_id: [1, 1, 1, 2, 2],
    anime_id: [5, 5, 6, 5, 5],
    rating: [7, 7, 0, 3, 4],
  });
  assert.deepEqual(summariseDuplicates("animelist.csv", list, ["user_id", "anime_id"]), {
    file: "animelist.csv",
    duplicate_rows: 1,
    key: "user_id, anime_id",
    repeated_keys: 2,
    rows_beyond_first: 2,
  });
});

Deno.test("findMissingReferences finds codes the dimension lacks, ignoring missing values", async () => {
  const statuses = await fixture("watching_status.csv", true);
  const list = pl.DataFrame({
    watching_status: ["1", "5", "5", "0", "6", null, "", "Unknown", " 2 "],
  });
  assert.deepEqual(findMissingReferences(list, "watching_status", statuses, "status"), [
    { value: "5", rows: 2 },
    { value: "0", rows: 1 },
  ]);
  const real = await fixture("animelist.csv");
  assert.deepEqual(findMissingReferences(real, "watching_status", statuses, "status"), []);
});

Deno.test("listLengths counts entries per user, as the real sample's rows show", async () => {
  const list = await fixture("animelist.csv");
  const perUser = new Map<number, number>();
  for (const id of list.getColumn("user_id").toArray() as number[]) {
    perUser.set(id, (perUser.get(id) ?? 0) + 1);
  }
  assert.deepEqual(
    [...listLengths(list)].sort((a, b) => a - b),
    [...perUser.values()].sort((a, b) => a - b),
  );
});

Deno.test("profileAnimeList gives the same counts for a whole frame and for its blocks", async () => {
  const list = await fixture("animelist.csv");
  const statuses = await fixture("watching_status.csv", true);
  const anime = pl.DataFrame({ MAL_ID: ["67", "6702", "242"] });
  const whole = await profileAnimeList(list, { statuses, anime });
  async function* blocks() {
    for (let at = 0; at < list.height; at += 100) yield list.slice(at, 100);
  }
  const streamed = await profileAnimeList(blocks(), { statuses, anime });
  assert.equal(whole.blocks, 1);
  assert.equal(streamed.blocks, Math.ceil(list.height / 100));
  const { blocks: _a, listLengths: lengthsA, ...countsA } = whole;
  const { blocks: _b, listLengths: lengthsB, ...countsB } = streamed;
  assert.deepEqual(countsA, countsB);
  assert.deepEqual([...lengthsA].sort(), [...lengthsB].sort());
  assert.equal(whole.rows, list.height);
  assert.equal(whole.byRating.reduce((sum, bar) => sum + bar.value, 0), list.height);
  assert.ok(whole.missingAnimeIds.rows > 0 && whole.missingAnimeIds.rows < list.height);
});

Deno.test("compareProfiles agrees on equal figures and names each figure that differs", async (t) => {
  const list = await fixture("animelist.csv");
  const statuses = await fixture("watching_status.csv", true);
  const anime = pl.DataFrame({ MAL_ID: ["67", "6702", "242"] });
  const whole = await profileAnimeList(list, { statuses, anime });
  const inHalves = await profileAnimeList(
    (async function* () {
      yield list.slice(0, 250);
      yield list.slice(250, list.height);
    })(),
    { statuses, anime },
  );
  await t.step("the same file in blocks: identical, and shown as such", () => {
    const comparison = compareProfiles({ path: "whole frame", profile: whole }, {
      path: "streamed",
      profile: inHalves,
    });
    assert.ok(comparison.agree);
    assert.deepEqual(comparison.differences, []);
    comparison.assertAgree();
    assert.deepEqual(comparison.rows.map((row) => [row.path, row.blocks, row.rows]), [
      ["whole frame", 1, list.height],
      ["streamed", 2, list.height],
    ]);
    assert.match(
      mimeBundle(comparison)["text/html"]!,
      /animelist\.csv profiled both ways: identical/,
    );
  });
  await t.step("a profile that lost a block: the figures that differ, and a throw", () => {
    const firstHalf = { ...inHalves, rows: 250, users: inHalves.users - 1 };
    const comparison = compareProfiles({ path: "whole frame", profile: whole }, {
      path: "streamed",
      profile: firstHalf,
    });
    assert.equal(comparison.agree, false);
    assert.deepEqual(comparison.differences, [
      `rows: ${list.height} vs 250`,
      `users: ${whole.users} vs ${whole.users - 1}`,
    ]);
    assert.match(mimeBundle(comparison)["text/html"]!, /The two paths DISAGREE: rows: /);
    assert.throws(() => comparison.assertAgree(), {
      name: "Error",
      message:
        `The streamed profile of animelist.csv differs from the whole frame one: rows: ${list.height} vs 250, users: ${whole.users} vs ${
          whole.users - 1
        }`,
    });
  });
});

Deno.test("listFindings measures each finding of notebook 02 from the profiles", async () => {
  const list = await fixture("animelist.csv");
  const statuses = await fixture("watching_status.csv", true);
  const anime = animeFrame([
    animeLine(67, { Score: "Unknown", Episodes: "Unknown", Members: "229170.0" }),
    animeLine(6702, { Name: "Same title", Genres: "Action, Comedy" }),
    animeLine(242, { Name: "Same title", Genres: "Comedy" }),
  ]);
  const profile = await profileAnimeList(list, { statuses, anime });
  const columns = profileColumns(anime);
  const findings = listFindings({
    animeColumns: columns,
    genres: {
      trimmed: countListItems(anime, "Genres").length,
      untrimmed: countListItems(anime, "Genres", { split: (text) => text.split(",") }).length,
    },
    list: profile,
    orphanSynopses: 4,
    repeatedTitles: findDuplicateKeys(anime, ["Name"]).keys,
  });
  const affected = Object.fromEntries(findings.map((row) => [row.finding, row.affected]));
  const unknownColumns = columns.filter((column) => column.unknown > 0);
  const unknownCells = unknownColumns.reduce((sum, column) => sum + column.unknown, 0);
  const notRated = profile.byRating.find((bar) => bar.label === "0")!.value;
  const badStatus = profile.missingStatuses.reduce((sum, missing) => sum + missing.rows, 0);
  assert.deepEqual(affected, {
    "Unknown in anime.csv (numeric columns too)":
      `${unknownCells} cells in ${unknownColumns.length} columns`,
    "integers written as floats": `${
      columns.filter((column) => column.looks_like === "integer written as float").length
    } columns`,
    "genre lists with spaces after commas": "1 spurious untrimmed genres",
    "rating 0 = not rated": `${notRated} list entries`,
    "watching_status codes missing from the dimension": `${badStatus} rows`,
    "anime ids missing from anime.csv": `${profile.missingAnimeIds.rows + 4} rows`,
    "titles that are not unique": "1 titles",
  });
  assert.ok(unknownCells >= 2 && notRated > 0, "the fixture exercises the counts");
  assert.ok(findings.every((row) => row.handling.length > 0));
});

Deno.test("numericValues keeps the numbers and leaves out Unknown", () => {
  const frame = pl.DataFrame({ Score: ["8.78", "Unknown", "", "7.5", null] });
  assert.deepEqual([...numericValues(frame, "Score")], [8.78, 7.5]);
});

Deno.test("sampleValues picks the most frequent value of each shape first", () => {
  const frame = pl.DataFrame({
    Genres: ["Action", "Action", "Action, Comedy", "Unknown", "Drama", "Drama", " Padded"],
  });
  assert.deepEqual(sampleValues(frame, "Genres", { limit: 4 }), [
    "Action",
    " Padded",
    "Action, Comedy",
    "Unknown",
  ]);
  assert.deepEqual(sampleValues(frame, "Genres", { limit: 6 }), [
    "Action",
    "Drama",
    " Padded",
    "Action, Comedy",
    "Unknown",
  ]);
});

Deno.test("labelCodes names codes after the dimension and flags missing ones", async () => {
  const statuses = await fixture("watching_status.csv", true);
  const bars = labelCodes([{ label: "2", value: 9 }, { label: "5", value: 1 }], statuses, {
    key: "status",
    name: "description",
    missing: "(not in watching_status.csv)",
  });
  assert.deepEqual(bars, [
    { label: "2 Completed", value: 9 },
    { label: "5 (not in watching_status.csv)", value: 1 },
  ]);
});

Deno.test("applyCleaningRule shows each value before and after the loader's rule", () => {
  assert.deepEqual(applyCleaningRule(["229170.0", "Unknown", "12.5", "7"], parseCount), [
    { before: "229170.0", after: "229170", outcome: "reformatted" },
    { before: "Unknown", after: "NULL", outcome: "missing → NULL" },
    { before: "12.5", after: "(quarantined)", outcome: 'invalid_value: "12.5" is not an integer' },
    { before: "7", after: "7", outcome: "kept" },
  ]);
  assert.deepEqual(applyCleaningRule(["8.78"], parseScore), [
    { before: "8.78", after: "8.78", outcome: "kept" },
  ]);
  assert.deepEqual(applyCleaningRule(["Unknown"], () => ({ ok: true, value: [] })), [
    { before: "Unknown", after: "(no items)", outcome: "missing → no rows" },
  ]);
});

Deno.test("compareAnimeRow lists what buildAnimeRow changes, or why it quarantines the row", () => {
  const [row] = animeFrame([
    animeLine(7, { Score: "Unknown", Genres: "Action,  Comedy", "Score-10": "229170.0" }),
  ]).toRecords();
  const changes = compareAnimeRow(row!);
  assert.deepEqual(changes.find((change) => change.column === "Score"), {
    column: "Score",
    before: "Unknown",
    after: "NULL",
  });
  assert.deepEqual(changes.find((change) => change.column === "Score-10")?.after, "229170");
  assert.deepEqual(changes.at(-1), {
    column: "(genre list for anime_genre)",
    before: "Action,  Comedy",
    after: "Action | Comedy",
  });
  assert.ok(!changes.some((change) => change.column === "Name"), "unchanged columns are left out");
  assert.ok(compareAnimeRow(row!, { all: true }).some((change) => change.column === "Name"));
  const [broken] = animeFrame([animeLine("x1")]).toRecords();
  assert.deepEqual(compareAnimeRow(broken!), [{
    column: "(row)",
    before: "x1",
    after: 'quarantined: invalid_value: column "MAL_ID": "x1" is not an integer',
  }]);
  assert.ok(animeCsv([1]).startsWith("MAL_ID"));
});
