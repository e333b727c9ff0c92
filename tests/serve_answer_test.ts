// bench:serve's one-statement answers against real publishes: the check catches an answer that mixes
// two data sets (a repeatable-read snapshot older than a full refresh reads the new, frozen
// anime_list beside an empty new anime_list_source), and the same statement on its own is
// consistent; every query's statement runs and returns its rows with the data set's identity.
import assert from "node:assert/strict";
import { answerStatement, judgeAnswer, type ServeAnswer } from "../lib/bench/serve_answer.ts";
import { sqlText } from "../lib/db/sql_files.ts";
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

const HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";

function animeList(rating: number): string {
  const lines = Array.from(
    { length: 200 },
    (_, i) => `${1 + (i % 20)},${1 + (i % 10)},${rating},2,1`,
  );
  return [HEADER, ...new Set(lines)].join("\n") + "\n";
}

Deno.test("a one-statement answer is from one data set; the check catches a mixed one", async (t) => {
  await using store = await startTestStore();
  const bucket = uniqueBucket("answer");
  await store.createBucket(bucket);
  await uploadFiles(store, bucket, PREFIX, {
    "watching_status.csv": WATCHING_STATUS_CSV,
    "anime.csv": animeCsv([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,8.0,Action,One\n",
    "animelist.csv": animeList(5),
  });
  const db = await freshDatabase("answer");
  const targets = targetsFor(store.settings(bucket, PREFIX), db);
  const first = await runEtl(targets);
  assert.equal(first.status, "succeeded", first.error?.message);
  await using sql = connectTo(db);
  const userList = await answerStatement("user_list");

  await t.step("every query's statement returns its rows and the data set's identity", async () => {
    const canonical = new Map<string, string>();
    const asked: [Parameters<typeof answerStatement>[0], number[]][] = [
      ["user_list", [1]],
      ["anime_by_watching_status", [2, 10]],
      ["highest_rated_anime", [0, 10]],
      ["top_genres_by_rating", [1, 10]],
    ];
    for (const [query, parameters] of asked) {
      const [answer] = await sql.unsafe<[ServeAnswer]>(await answerStatement(query), parameters);
      assert.equal(answer.sources, 1, query);
      assert.equal(answer.last_source, 1, query);
      assert.ok(Array.isArray(answer.rows) && answer.rows.length > 0, `${query}: no rows`);
      assert.equal(judgeAnswer(query, answer, canonical), undefined, query);
      assert.equal(judgeAnswer(query, answer, canonical), undefined, `${query}, asked again`);
    }
    const [list] = await sql.unsafe<[ServeAnswer]>(userList, [1]);
    assert.equal(list.highest, 1);
    assert.deepEqual(
      list.rows,
      JSON.parse(JSON.stringify(await sql.unsafe(await sqlText("queries/user_list"), [1]))),
    );
  });

  await t.step(
    "a snapshot older than a full refresh reads a mix, and the check says so",
    async () => {
      const old = await sql.reserve();
      try {
        await old`begin isolation level repeatable read`;
        await old`select txid_current_snapshot()`;
        await store.put(bucket, `${PREFIX}animelist.csv`, animeList(7));
        const refresh = await runEtl(targets);
        assert.equal(refresh.status, "succeeded", refresh.error?.message);
        const [mixed] = await old.unsafe<[ServeAnswer]>(userList, [1]);
        await old`rollback`;
        assert.equal(mixed.sources, 0, "the old snapshot should not see the new anime_list_source");
        assert.match(
          judgeAnswer("user_list", mixed, new Map()) ?? "",
          /^user_list: \d+ rows, newest source 1, but the data set lists 0 source\(s\) up to 0$/,
        );
        const [fresh] = await sql.unsafe<[ServeAnswer]>(userList, [1]);
        assert.equal(fresh.sources, 1);
        assert.equal(judgeAnswer("user_list", fresh, new Map()), undefined);
        assert.ok(
          (fresh.rows as { rating: number }[]).every((row) => row.rating === 7),
          JSON.stringify(fresh.rows),
        );
      } finally {
        old.release();
      }
    },
  );
});
