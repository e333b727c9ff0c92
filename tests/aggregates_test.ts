// The aggregates (anime_status_stats, anime_stats, genre_stats) against real PostgreSQL and
// s3rver: equal to a fresh GROUP BY of anime_list after full, incremental and fallback runs on
// generated data with deltas; the quality check that proves it fails on tampered aggregates; and the analyst and
// dashboard queries answer from them exactly as the fact-scanning queries they replace did.
import assert from "node:assert/strict";
import type { DbSettings } from "../lib/config/settings.ts";
import { sqlText } from "../lib/db/sql_files.ts";
import { generateDataset, type GeneratedDataset } from "../lib/generate/generate_dataset.ts";
import { buildAggregates } from "../lib/load/build_aggregates.ts";
import { qualityCheckDefinitions, runQualityCheck } from "../lib/quality/run_checks.ts";
import { runEtl, type RunSummary } from "../lib/run_etl.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "./helpers/services.ts";
import { PREFIX } from "./helpers/uploads.ts";

const FACT_SCAN_QUERIES = new URL("./fixtures/fact_scan_queries/", import.meta.url);
const CHECK = "aggregates_match_facts";

/** The snapshot and four daily deltas: repeated pairs, removals and dirt in every delta. */
async function generated(dir: string): Promise<GeneratedDataset> {
  return await generateDataset(dir, {
    animelistRows: 40_000,
    animeRows: 500,
    deltas: 4,
    deltaRows: 4_000,
    seed: 16,
  });
}

async function upload(
  store: TestStore,
  bucket: string,
  files: { name: string; path: string }[],
): Promise<void> {
  for (const file of files) {
    await store.put(bucket, PREFIX + file.name, await Deno.readFile(file.path));
  }
}

async function succeeded(
  store: TestStore,
  bucket: string,
  db: DbSettings,
  kind: RunSummary["kind"],
): Promise<RunSummary> {
  const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db, 0.6));
  assert.equal(summary.status, "succeeded", summary.error?.message);
  assert.equal(summary.kind, kind, summary.reason);
  return summary;
}

/**
 * Asserts the published aggregates equal a GROUP BY of anime_list written here independently of
 * the pipeline's SQL (avg() for the mean), both ways, and that there is something to compare.
 */
async function assertAggregatesMatch(db: DbSettings): Promise<void> {
  await using sql = connectTo(db);
  const [status] = await sql`
    with facts as (
      select anime_id, watching_status, count(*) as entries,
             count(*) filter (where rating > 0) as rated, coalesce(sum(rating), 0) as rating_sum,
             sum(watched_episodes) as episodes
      from public.anime_list group by anime_id, watching_status
    ), kept as (
      select anime_id, watching_status, entries, rated_entries as rated, rating_sum,
             watched_episodes_sum as episodes
      from public.anime_status_stats
    )
    select (select count(*) from facts)::int as rows,
           (select count(*) from (table facts except all table kept) missing)::int as missing,
           (select count(*) from (table kept except all table facts) extra)::int as extra`;
  assert.deepEqual({ ...status }, { rows: status!.rows, missing: 0, extra: 0 });
  assert.ok(status!.rows > 500, `only ${status!.rows} (anime, status) rows`);
  const [anime] = await sql`
    with facts as (
      select anime_id, count(*) as entries, count(*) filter (where rating > 0) as rated,
             coalesce(sum(rating), 0) as rating_sum, avg(rating) filter (where rating > 0) as mean,
             sum(watched_episodes) as episodes
      from public.anime_list group by anime_id
    ), kept as (
      select anime_id, list_entries, rated_entries, rating_sum, mean_rating, watched_episodes_sum
      from public.anime_stats
    )
    select (select count(*) from facts)::int as rows,
           (select count(*) from (table facts except all table kept) missing)::int as missing,
           (select count(*) from (table kept except all table facts) extra)::int as extra`;
  assert.deepEqual({ ...anime }, { rows: anime!.rows, missing: 0, extra: 0 });
  assert.ok(anime!.rows > 100, `only ${anime!.rows} anime`);
  const [genres] = await sql`
    with facts as (
      select g.genre, count(distinct l.anime_id) as anime_listed, count(*) as list_entries,
             count(*) filter (where l.watching_status = 1) as watching_entries,
             count(distinct l.anime_id) filter (where l.rating > 0) as anime_rated,
             count(*) filter (where l.rating > 0) as rated_entries,
             coalesce(sum(l.rating), 0) as rating_sum
      from public.anime_list l join public.anime_genre g on g.mal_id = l.anime_id
      group by g.genre
    ), kept as (
      select genre, anime_listed, list_entries, watching_entries, anime_rated, rated_entries,
             rating_sum
      from public.genre_stats
    )
    select (select count(*) from facts)::int as rows,
           (select count(*) from (table facts except all table kept) missing)::int as missing,
           (select count(*) from (table kept except all table facts) extra)::int as extra`;
  assert.deepEqual({ ...genres }, { rows: genres!.rows, missing: 0, extra: 0 });
  assert.ok(genres!.rows > 10, `only ${genres!.rows} genres`);
}

function checkStatus(summary: RunSummary): string | undefined {
  return summary.checks.find((check) => check.name === CHECK)?.status;
}

Deno.test("the aggregates equal a GROUP BY of anime_list after full, incremental and fallback runs", async () => {
  await using store = await startTestStore();
  const dir = await Deno.makeTempDir({ prefix: "aggregates-" });
  try {
    const bucket = uniqueBucket("aggr");
    await store.createBucket(bucket);
    const db = await freshDatabase("aggr");
    const dataset = await generated(dir);
    const [day1, day2, day3, day4] = dataset.deltas.map((delta) => delta.file);
    await upload(store, bucket, [...dataset.files, day1!, day2!]);

    const full = await succeeded(store, bucket, db, "full");
    assert.equal(checkStatus(full), "passed");
    assert.ok(full.aggregatesSeconds! >= 0);
    await assertAggregatesMatch(db);

    await upload(store, bucket, [day3!]);
    const incremental = await succeeded(store, bucket, db, "incremental");
    // An incremental run never scans the fact table: the check is a full refresh's.
    assert.equal(checkStatus(incremental), undefined);
    assert.equal(incremental.aggregatesSeconds, undefined);
    await assertAggregatesMatch(db);
    await upload(store, bucket, [day4!]);
    await succeeded(store, bucket, db, "incremental");
    await assertAggregatesMatch(db);

    // The second delta changes after it was applied: a full refresh replays all four.
    const edited = (await Deno.readTextFile(day2!.path)).split("\n").slice(0, -50).join("\n");
    await store.put(bucket, PREFIX + day2!.name, `${edited}\n`);
    const fallback = await succeeded(store, bucket, db, "full");
    assert.match(fallback.reason!, /^applied delta ".*2026-12-02\.csv(\.gz)?" changed/);
    assert.equal(checkStatus(fallback), "passed");
    await assertAggregatesMatch(db);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("aggregates_match_facts fails on a tampered aggregate, and a rebuild mends it", async (t) => {
  await using store = await startTestStore();
  const dir = await Deno.makeTempDir({ prefix: "aggregates-" });
  try {
    const bucket = uniqueBucket("aggt");
    await store.createBucket(bucket);
    const db = await freshDatabase("aggt");
    const dataset = await generated(dir);
    await upload(store, bucket, [...dataset.files, dataset.deltas[0]!.file]);
    const { runId } = await succeeded(store, bucket, db, "full");
    const definition = (await qualityCheckDefinitions()).find((check) => check.name === CHECK)!;
    assert.equal(definition.blocking, true);
    assert.equal(definition.incremental, false);
    await using sql = connectTo(db);
    const [first] = await sql`
      select anime_id, watching_status from public.anime_status_stats
      order by anime_id, watching_status limit 1`;
    const anime = first!.anime_id as number;
    const cases: { name: string; tamper: string; observed: string }[] = [
      {
        name: "a rating sum off by one",
        tamper: `update anime_stats set rating_sum = rating_sum + 1 where anime_id = ${anime}`,
        observed:
          `0 anime_status_stats rows, 1 anime_stats rows and 0 genre_stats rows differ from anime_list ` +
          `(first anime: ${anime})`,
      },
      {
        name: "a status row missing",
        tamper: `delete from anime_status_stats where anime_id = ${anime}
          and watching_status = ${first!.watching_status}`,
        observed:
          `1 anime_status_stats rows, 0 anime_stats rows and 0 genre_stats rows differ from anime_list ` +
          `(first anime: ${anime})`,
      },
      {
        name: "a genre's watching entries off by one",
        tamper: `update genre_stats set watching_entries = watching_entries + 1
          where genre = (select min(genre) from genre_stats)`,
        observed: "0 anime_status_stats rows, 0 anime_stats rows and 1 genre_stats rows differ",
      },
      {
        name: "an extra row for a status nobody listed the anime in",
        tamper: `insert into anime_status_stats (anime_id, watching_status, entries, rated_entries,
            rating_sum, watched_episodes_sum)
          select a.anime_id, w.status, 1, 0, 0, 0
          from anime_stats a cross join anime_watching_status w
          where not exists (select from anime_status_stats s
                            where s.anime_id = a.anime_id and s.watching_status = w.status)
          order by a.anime_id, w.status limit 1`,
        observed:
          "1 anime_status_stats rows, 0 anime_stats rows and 0 genre_stats rows differ from anime_list",
      },
    ];
    for (const { name, tamper, observed } of cases) {
      await t.step(name, async () => {
        await sql.begin(async (tx) => {
          await tx.unsafe(tamper);
          const check = await runQualityCheck(tx, definition, runId);
          assert.equal(check.status, "failed");
          assert.ok(check.observed.startsWith(observed), check.observed);
          await buildAggregates(tx, "public");
          const mended = await runQualityCheck(tx, definition, runId);
          assert.equal(mended.status, "passed", mended.observed);
          assert.equal(
            mended.observed,
            "0 anime_status_stats rows, 0 anime_stats rows and 0 genre_stats rows differ from anime_list",
          );
          const [path] = await tx`select current_setting('search_path') as path`;
          assert.equal(path!.path, '"$user", public', "buildAggregates restores the search_path");
        });
      });
    }
    await assertAggregatesMatch(db);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Each query with the parameters to compare it at: ties, empty answers and limits past the end. */
const COMPARED: { name: string; fixture: string; parameters: (string | number)[][] }[] = [
  {
    name: "queries/anime_by_watching_status",
    fixture: "anime_by_watching_status",
    parameters: [[1, 10], [2, 25], [3, 100], [4, 1000], [6, 7], [5, 10], [2, 0]],
  },
  {
    name: "queries/highest_rated_anime",
    fixture: "highest_rated_anime",
    parameters: [[0, 10], [100, 25], [1000, 1000], [100_000_000, 5], [0, 0]],
  },
  {
    name: "queries/top_genres_by_rating",
    fixture: "top_genres_by_rating",
    parameters: [[0, 10], [100, 50], [1000, 5], [100_000_000, 10], [1, 1]],
  },
  {
    name: "dashboard/genre_popularity",
    fixture: "genre_popularity",
    parameters: [[10], [100], [1]],
  },
  { name: "queries/model_evidence", fixture: "model_evidence", parameters: [[]] },
  { name: "dashboard/table_rows", fixture: "table_rows", parameters: [[]] },
];

Deno.test("the analyst and dashboard queries answer from the aggregates exactly as the fact scans did", async (t) => {
  await using store = await startTestStore();
  const dir = await Deno.makeTempDir({ prefix: "aggregates-" });
  try {
    const bucket = uniqueBucket("aggq");
    await store.createBucket(bucket);
    const db = await freshDatabase("aggq");
    const dataset = await generated(dir);
    await upload(store, bucket, [
      ...dataset.files,
      ...dataset.deltas.slice(0, 2).map((d) => d.file),
    ]);
    await succeeded(store, bucket, db, "full");
    await upload(store, bucket, dataset.deltas.slice(2).map((d) => d.file));
    await succeeded(store, bucket, db, "incremental");
    await using sql = connectTo(db);
    for (const { name, fixture, parameters } of COMPARED) {
      const before = await Deno.readTextFile(new URL(`${fixture}.sql`, FACT_SCAN_QUERIES));
      const after = await sqlText(name);
      // table_rows names anime_list to label its row; every other query must not read it.
      if (fixture !== "table_rows") {
        assert.ok(!/\banime_list\b/.test(after.replace(/--.*$/gm, "")), `${name} reads anime_list`);
      }
      for (const values of parameters) {
        await t.step(`${name} (${values.join(", ")})`, async () => {
          const old = await sql.unsafe(before, values);
          const now = await sql.unsafe(after, values);
          assert.deepEqual(
            now.columns.map((column) => [column.name, column.type]),
            old.columns.map((column) => [column.name, column.type]),
          );
          assert.deepEqual([...now], [...old]);
          const limit = values[1] ?? values[0];
          if (values.length > 0 && limit !== 0 && limit !== 100_000_000) {
            // Not vacuous: most parameter sets answer something.
            assert.ok(old.length > 0 || values[0] === 5 || values[0] === 100_000_000);
          }
        });
      }
    }
    await t.step(
      "anime_by_watching_status: the ranking index, lookups by key, no Memoize",
      async () => {
        // Joined, each answer built and freed a Memoize cache sized for every anime (the query's
        // comment): its plan, generic and for a status, has the ranking index's top rows and no cache.
        const text = (await sqlText("queries/anime_by_watching_status")).trim();
        for (
          const [head, values] of [
            ["explain (generic_plan, costs off)", []],
            ["explain (costs off)", [1, 10]],
          ] as const
        ) {
          const plan = (await sql.unsafe(`${head} ${text}`, [...values]))
            .map((row) => String(Object.values(row)[0])).join("\n");
          assert.match(plan, /Index Only Scan using anime_status_stats_ranking/, plan);
          assert.doesNotMatch(plan, /Memoize|Hash Join|Seq Scan on anime_(status_)?stats/, plan);
        }
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
