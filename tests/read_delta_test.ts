// Tests lib/load/read_delta.ts: the `removed` column read from bytes as the string rules read it,
// and, against real PostgreSQL and s3rver, a delta's odd `removed` values quarantined with their
// lines in a full refresh's replay and in an incremental run alike.
import assert from "node:assert/strict";
import { type CsvRecord, CsvScanner } from "../lib/extract/csv_scanner.ts";
import { readRemoved } from "../lib/load/read_delta.ts";
import { runEtl } from "../lib/run_etl.ts";
import { animeCsv, WATCHING_STATUS_CSV } from "./helpers/fixtures.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
} from "./helpers/services.ts";
import { PREFIX, uploadFiles } from "./helpers/uploads.ts";

// The `removed` value of `1,2,<value>` read as the delta reader reads it (three fields).
function removedOf(bytes: Uint8Array): boolean | undefined | "no record" {
  let result: boolean | undefined | "no record" = "no record";
  const scanner = new CsvScanner("d.csv", (record: CsvRecord) => {
    result = readRemoved(record, 2, { fieldCount: 3 });
  });
  scanner.push(bytes);
  scanner.finish();
  return result;
}

const text = (value: string) => new TextEncoder().encode(`1,2,${value}\n`);

Deno.test("readRemoved reads 1, true, 0, false and empty in any case and white space", async (t) => {
  const cases: [string, Uint8Array, boolean | undefined][] = [
    ["1", text("1"), true],
    ["true", text("true"), true],
    ["upper case", text("TRUE"), true],
    ["mixed case in spaces", text("  TrUe "), true],
    ["a tab before 1", text("\t1"), true],
    ["quoted 1", text('"1"'), true],
    ["0", text("0"), false],
    ["false", text("false"), false],
    ["upper case false", text("FALSE"), false],
    ["empty", text(""), false],
    ["spaces only", text("   "), false],
    ["a no-break space around true (String.prototype.trim's)", text("\u00a0true\u00a0"), true],
    ["ideographic spaces around false", text("\u3000false\u3000"), false],
    ["yes", text("yes"), undefined],
    ["2", text("2"), undefined],
    ["1.0", text("1.0"), undefined],
    ["-0", text("-0"), undefined],
    ["tru", text("tru"), undefined],
    ["true with a letter that is not ASCII", text("ｔrue"), undefined],
    ["doubled quotes", text('"tr""ue"'), undefined],
    ["a capital dotted I (lower case is two characters)", text("İ"), undefined],
    [
      "bytes that are not UTF-8",
      new Uint8Array([...text("").slice(0, -1), 0xff, 0x31, 10]),
      undefined,
    ],
  ];
  for (const [name, bytes, expected] of cases) {
    await t.step(name, () => assert.equal(removedOf(bytes), expected));
  }
  await t.step("a record of another shape is not a removal", () => {
    assert.equal(removedOf(text("1,extra")), false);
  });
});

const LIST_HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";
const SNAPSHOT = {
  "watching_status.csv": WATCHING_STATUS_CSV,
  "anime.csv": animeCsv([1, 2, 3]),
  "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,8.0,Action,One\n",
  "animelist.csv": `${LIST_HEADER}\n1,1,5,1,3\n1,2,0,6,0\n2,1,8,2,12\n`,
};

// Line 2 removes (1,1) behind a no-break space; 3 holds bytes that are not UTF-8; 4 says "yes".
function oddDelta(user: number): Uint8Array {
  const head = new TextEncoder().encode(
    `${LIST_HEADER},removed\n1,1,,,,\u00a0true\n${user},2,7,2,5,`,
  );
  const tail = new TextEncoder().encode(`\n${user},3,7,2,5,yes\n${user},3,6,2,5,0\n`);
  return new Uint8Array([...head, 0xff, 0xfe, ...tail]);
}

Deno.test("a delta's removed values that are not UTF-8 or not a flag are quarantined with their lines", async () => {
  const store = await startTestStore();
  try {
    const bucket = uniqueBucket("removed");
    await store.createBucket(bucket);
    const db = await freshDatabase("removed");
    await uploadFiles(store, bucket, PREFIX, {
      ...SNAPSHOT,
      "animelist_updates/2026-12-01.csv": oddDelta(1),
    });
    const targets = targetsFor(store.settings(bucket, PREFIX), db, 0.9);
    const full = await runEtl(targets, { force: false });
    assert.equal(full.status, "succeeded", full.error?.message);
    assert.equal(full.kind, "full");
    await uploadFiles(store, bucket, PREFIX, { "animelist_updates/2026-12-02.csv": oddDelta(2) });
    const incremental = await runEtl(targets, { force: false });
    assert.equal(incremental.status, "succeeded", incremental.error?.message);
    assert.equal(incremental.kind, "incremental", incremental.reason);
    await using sql = connectTo(db);
    const rejects = await sql<{ key: string; line: number; reason: string; detail: string }[]>`
      select source_key as key, line_number::int as line, reason, detail from etl.rejects
      where source_key like ${PREFIX + "animelist_updates/%"} order by source_key, line_number`;
    for (const [day, run] of [["2026-12-01", full], ["2026-12-02", incremental]] as const) {
      const ofDay = rejects.filter((row) => row.key.endsWith(`${day}.csv`));
      assert.deepEqual(ofDay.map((row) => [row.line, row.reason]), [
        [3, "invalid_value"],
        [4, "invalid_value"],
      ]);
      assert.equal(
        ofDay[0]!.detail,
        'column "removed": "\ufffd\ufffd" is not 1, true, 0, false or empty',
      );
      assert.equal(ofDay[1]!.detail, 'column "removed": "yes" is not 1, true, 0, false or empty');
      const file = run.files.find((one) => one.file === `animelist_updates/${day}.csv`)!;
      assert.deepEqual(file.lines, { total: 5, header: 1, loaded: 2, quarantined: 2, blank: 0 });
    }
    const list = await sql<{ row: string }[]>`
      select concat_ws(',', user_id, anime_id, rating, source_id, source_line) as row
      from public.anime_list order by user_id, anime_id`;
    assert.deepEqual(list.map((row) => row.row), [
      "1,2,0,1,3",
      "1,3,6,2,5",
      "2,1,8,1,4",
      "2,3,6,3,5",
    ]);
  } finally {
    await store.close();
  }
});
