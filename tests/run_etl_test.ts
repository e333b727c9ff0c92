// Integration tests of one pipeline run against a real PostgreSQL and a real S3-compatible server.
import assert from "node:assert/strict";
import type { Sql, TransactionSql } from "postgres";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { PREFIX, uploadDataset, uploadFiles, uploadGenerated } from "./helpers/uploads.ts";
import { runEtl, type RunSummary } from "../lib/run_etl.ts";
import { sqlText } from "../lib/db/sql_files.ts";
import { createProgress } from "../lib/runtime/progress.ts";
import type { DbSettings, S3Settings } from "../lib/config/settings.ts";
import {
  ANIME_HEADER,
  animeCsv,
  animeLine,
  csvField,
  WATCHING_STATUS_CSV,
} from "./helpers/fixtures.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "./helpers/services.ts";

async function tableCounts(db: DbSettings): Promise<Record<string, number>> {
  const sql = connectTo(db);
  try {
    const rows = await sql<{ name: string; n: string }[]>`
      select 'anime_master' as name, count(*) as n from public.anime_master
      union all select 'anime_list', count(*) from public.anime_list
      union all select 'anime_synopsis', count(*) from public.anime_synopsis
      union all select 'anime_watching_status', count(*) from public.anime_watching_status`;
    return Object.fromEntries(rows.map((row) => [row.name, Number(row.n)]));
  } finally {
    await sql.end();
  }
}

function fileOf(summary: RunSummary, file: string) {
  const found = summary.files.find((entry) => entry.file === file);
  assert.ok(found, `summary has ${file}`);
  return found;
}

Deno.test("runEtl loads generated datasets with exact row accounting", async (t) => {
  const store = await startTestStore();
  try {
    for (
      const variant of [
        { format: "modified" as const, gzip: false },
        { format: "kaggle" as const, gzip: false },
        { format: "kaggle" as const, gzip: true },
      ]
    ) {
      await t.step(`${variant.format}${variant.gzip ? " gzip" : ""}`, async () => {
        const dir = await Deno.makeTempDir();
        const dataset = await generateDataset(dir, {
          animelistRows: 4000,
          animeRows: 400,
          format: variant.format,
          gzip: variant.gzip,
          seed: 7,
        });
        const bucket = uniqueBucket();
        await store.createBucket(bucket);
        await uploadGenerated(store, bucket, PREFIX, dataset);
        const db = await freshDatabase();
        const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
        assert.equal(summary.status, "succeeded", summary.error?.message);
        for (const generated of dataset.files) {
          const name = generated.name.replace(/\.gz$/, "");
          const file = fileOf(summary, name);
          assert.equal(file.rowsRead, generated.rows, `${name} rows read`);
          assert.equal(file.rowsRead, file.rowsLoaded + file.rowsQuarantined);
          const expected = Object.fromEntries(
            Object.entries(dataset.expectedRejects[name] ?? {}).filter(([, n]) => n > 0),
          );
          assert.deepEqual(file.rejectsByReason, expected, `${name} rejects`);
          if (variant.format === "modified") {
            assert.deepEqual(
              file.ignoredColumns,
              name === "anime_with_synopsis.csv" ? ["Name", "Score", "Genres"] : [],
            );
          }
        }
        const counts = await tableCounts(db);
        assert.equal(counts.anime_list, fileOf(summary, "animelist.csv").rowsLoaded);
        assert.equal(counts.anime_master, 400);
        assert.ok(
          summary.checks.length >= 8 && summary.checks.every((check) => check.status === "passed"),
        );
        await assertRejectsMatchSource(db, summary.runId, dir, variant.gzip);
        await Deno.remove(dir, { recursive: true });
      });
    }
  } finally {
    await store.close();
  }
});

// Each quarantined single-line record must be the exact physical line its line_number names.
async function assertRejectsMatchSource(db: DbSettings, runId: number, dir: string, gzip: boolean) {
  const sql = connectTo(db);
  try {
    const rejects = await sql<{ source_key: string; line_number: string; raw: string }[]>`
      select source_key, line_number, raw from etl.rejects where run_id = ${runId} and raw not like '%' || chr(10) || '%'`;
    assert.ok(rejects.length > 0);
    const linesOf = new Map<string, string[]>();
    for (const reject of rejects) {
      const name = reject.source_key.slice(PREFIX.length);
      if (!linesOf.has(name)) {
        let bytes = await Deno.readFile(`${dir}/${name}`);
        if (gzip) {
          bytes = new Uint8Array(
            await new Response(
              new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
            ).arrayBuffer(),
          );
        }
        linesOf.set(name, new TextDecoder().decode(bytes).split(/\r\n|\n/));
      }
      assert.equal(
        reject.raw,
        linesOf.get(name)![Number(reject.line_number) - 1],
        `line ${reject.line_number}`,
      );
    }
  } finally {
    await sql.end();
  }
}

Deno.test(
  "runEtl cleans dirty values and quarantines each bad row with its line and reason",
  async () => {
    const store = await startTestStore();
    try {
      const bucket = uniqueBucket();
      await store.createBucket(bucket);
      const anime = [
        ANIME_HEADER.map(csvField).join(","), // line 1
        animeLine(1, {
          Score: "Unknown",
          Episodes: "Unknown",
          Ranked: "Unknown",
          "Score-10": "Unknown",
        }), // 2
        animeLine(5, {
          Genres: "Action,  Adventure ,Comedy, Action",
          Name: "Gintama°",
          "Score-10": "229170.0",
        }), // 3
        animeLine("x7", {}), // 4 invalid MAL_ID
        animeLine(5, { Name: "Repeat" }), // 5 duplicate
        animeLine(8, { Score: "11" }), // 6 out of range
        "9,Too Few Fields", // 7
        animeLine(10, { Members: "99999999999" }), // 8 overflow
        animeLine(11, { Name: 'Name with "quotes", and comma' }), // 9
      ].join("\r\n") + "\r\n";
      const synopsis = [
        "MAL_ID,Name,Score,Genres,sypnopsis", // 1
        '1,A,7.5,Action,"First line\nsecond line with ""quotes"""', // 2-3
        "5,B,7.5,Action,", // 4 empty synopsis
        '404,C,7.5,Action,"orphan"', // 5 unknown anime
        '11,D,7.5,Action,"unterminated', // 6 to end
      ].join("\n") + "\n";
      const animelist = [
        "user_id,anime_id,rating,watching_status,watched_episodes", // 1
        "1,1,9,2,12", // 2
        "1,5,0,6,0", // 3
        "1,5,7,2,3", // 4 duplicate of line 3
        "2,1,11,2,1", // 5 rating out of range
        "2,5,8,5,1", // 6 unknown status
        "2,404,8,2,1", // 7 unknown anime
        "2,11,abc,2,1", // 8 invalid value
        "3,1,7.0,2.0,24.0", // 9 float-formatted ints
        "3,5,7,2", // 10 too few fields
        "3,11,-1,2,1", // 11 negative rating
        "4,1,5,1,99999999999", // 12 overflow
        "4,5,5,,1", // 13 empty status: required
      ].join("\n") + "\n";
      await uploadFiles(store, bucket, PREFIX, {
        "watching_status.csv": WATCHING_STATUS_CSV,
        "anime.csv": anime,
        "anime_with_synopsis.csv": synopsis,
        "animelist.csv": animelist,
      });
      const db = await freshDatabase();
      const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db, 1));
      assert.equal(summary.status, "succeeded", summary.error?.message);
      const sql = connectTo(db);
      try {
        const rejects = await sql<
          { file: string; line_number: string; reason: string; detail: string }[]
        >`
        select split_part(source_key, '/', 2) as file, line_number, reason, detail
        from etl.rejects where run_id = ${summary.runId} order by 1, 2`;
        assert.deepEqual(rejects.map((r) => `${r.file}:${r.line_number} ${r.reason} ${r.detail}`), [
          'anime.csv:4 invalid_value column "MAL_ID": "x7" is not an integer',
          "anime.csv:5 duplicate_key key 5 already loaded from line 3",
          'anime.csv:6 out_of_range column "Score": 11 is outside 0..10',
          "anime.csv:7 malformed_csv expected 35 fields, found 2",
          'anime.csv:8 out_of_range column "Members": 99999999999 is outside 0..2147483647',
          "anime_with_synopsis.csv:5 unknown_anime_id MAL_ID 404 is not in anime.csv",
          "anime_with_synopsis.csv:6 malformed_csv unterminated quoted field starting at line 6",
          "animelist.csv:4 duplicate_key (user_id 1, anime_id 5) repeats an earlier line",
          'animelist.csv:5 out_of_range column "rating": 11 is outside 0..10',
          "animelist.csv:6 unknown_watching_status watching_status 5 is not in watching_status.csv",
          "animelist.csv:7 unknown_anime_id anime_id 404 is not in anime.csv",
          'animelist.csv:8 invalid_value column "rating": "abc" is not an integer',
          "animelist.csv:10 malformed_csv expected 5 fields, found 4",
          'animelist.csv:11 out_of_range column "rating": -1 is outside 0..10',
          'animelist.csv:12 out_of_range column "watched_episodes": 99999999999 is outside 0..2147483647',
          'animelist.csv:13 missing_value column "watching_status": a value is required',
        ]);
        const [duplicate] =
          await sql`select raw from etl.rejects where reason = 'duplicate_key' and source_key like '%animelist.csv'`;
        assert.equal(duplicate?.raw, "1,5,7,2,3");
        const master =
          await sql`select mal_id, name, score, genres from anime_master order by mal_id`;
        assert.deepEqual(master.map((row) => [row.mal_id, row.name, row.score]), [
          [1, "Some Anime", null],
          [5, "Gintama°", "7.50"],
          [11, 'Name with "quotes", and comma', "7.50"],
        ]);
        const [meta] = await sql`select episodes, ranked from anime_meta where mal_id = 1`;
        assert.deepEqual({ ...meta }, { episodes: null, ranked: null });
        const scores = await sql`select mal_id, score_10 from anime_score_details order by mal_id`;
        assert.deepEqual(scores.map((row) => row.score_10), [null, 229170, 100]);
        const genres = await sql`select genre from anime_genre where mal_id = 5 order by genre`;
        assert.deepEqual(genres.map((row) => row.genre), ["Action", "Adventure", "Comedy"]);
        const synopses = await sql`select mal_id, synopsis from anime_synopsis order by mal_id`;
        assert.deepEqual(synopses.map((row) => [row.mal_id, row.synopsis]), [
          [1, 'First line\nsecond line with "quotes"'],
          [5, null],
        ]);
        const list =
          await sql`select user_id, anime_id, rating, watching_status, watched_episodes from anime_list order by 1, 2`;
        assert.deepEqual(list.map((row) => Object.values(row)), [
          [1, 1, 9, 2, 12],
          [1, 5, 0, 6, 0],
          [3, 1, 7, 2, 24],
        ]);
        const files =
          await sql`select source_file, rows_read, rows_loaded, rows_quarantined from etl.run_files where run_id = ${summary.runId} order by 1`;
        assert.deepEqual(files.map((row) => Object.values(row).map(String)), [
          ["anime.csv", "8", "3", "5"],
          ["anime_with_synopsis.csv", "4", "2", "2"],
          ["animelist.csv", "12", "3", "9"],
          ["watching_status.csv", "5", "5", "0"],
        ]);
        // Every physical line: total = header + loaded + quarantined + blank. The synopsis that
        // spans lines 2-3 counts two loaded lines.
        const lines = await sql`
          select source_file, lines_total, lines_header, lines_loaded, lines_quarantined, lines_blank
          from etl.run_files where run_id = ${summary.runId} order by 1`;
        assert.deepEqual(lines.map((row) => Object.values(row).map(String)), [
          ["anime.csv", "9", "1", "3", "5", "0"],
          ["anime_with_synopsis.csv", "6", "1", "3", "2", "0"],
          ["animelist.csv", "13", "1", "3", "9", "0"],
          ["watching_status.csv", "6", "1", "5", "0", "0"],
        ]);
      } finally {
        await sql.end();
      }
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "runEtl loads the real Kaggle sample rows, keeping rating and synopsis",
  async () => {
    const store = await startTestStore();
    try {
      const bucket = uniqueBucket();
      await store.createBucket(bucket);
      const fixtures = new URL("./fixtures/kaggle-2020-sample/", import.meta.url);
      const animelist = await Deno.readTextFile(new URL("animelist.csv", fixtures));
      const synopsis = await Deno.readTextFile(new URL("anime_with_synopsis.csv", fixtures));
      const ids = new Set<number>();
      for (const line of animelist.trim().split("\n").slice(1)) ids.add(Number(line.split(",")[1]));
      for (const line of synopsis.split("\n").slice(1)) {
        if (/^\d+,/.test(line)) {
          ids.add(Number(line.split(",")[0]));
        }
      }
      await uploadFiles(store, bucket, PREFIX, {
        "watching_status.csv": await Deno.readFile(new URL("watching_status.csv", fixtures)),
        "anime.csv": animeCsv([...ids].sort((a, b) => a - b)),
        "anime_with_synopsis.csv": synopsis,
        "animelist.csv": animelist,
      });
      const db = await freshDatabase();
      const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
      assert.equal(summary.status, "succeeded", summary.error?.message);
      assert.deepEqual(
        summary.files.map((file) => [file.file, file.rowsRead, file.rowsLoaded]),
        [
          ["watching_status.csv", 5, 5],
          ["anime.csv", ids.size, ids.size],
          ["anime_with_synopsis.csv", 50, 50],
          ["animelist.csv", 499, 499],
        ],
      );
      const sql = connectTo(db);
      try {
        const [ratings] =
          await sql`select count(*) filter (where rating = 0)::int as unrated, count(*)::int as n from anime_list`;
        assert.deepEqual({ ...ratings }, { unrated: 279, n: 499 });
        const [row] = await sql`select * from anime_list where user_id = 1 and anime_id = 21`;
        assert.deepEqual({ ...row }, {
          user_id: 1,
          anime_id: 21,
          rating: 9,
          watching_status: 1,
          watched_episodes: 958,
          source_id: 1,
          source_line: 90,
        });
        const [trigun] = await sql`select synopsis from anime_synopsis where mal_id = 6`;
        assert.match(trigun?.synopsis, /\$\$60,000,000,000/);
        const statuses =
          await sql`select status, description from anime_watching_status order by status`;
        assert.deepEqual(statuses.map((s) => s.status), [1, 2, 3, 4, 6]);
      } finally {
        await sql.end();
      }
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "runEtl skips unchanged sources, reloads with force and on a changed object",
  async () => {
    const store = await startTestStore();
    try {
      const { bucket, s3, db } = await publishedSmallDataset(store);
      const skipped = await runEtl(targetsFor(s3, db));
      assert.equal(skipped.status, "skipped");
      const forced = await runEtl(targetsFor(s3, db), { force: true });
      assert.equal(forced.status, "succeeded");
      await store.put(
        bucket,
        `${PREFIX}animelist.csv`,
        "user_id,anime_id,rating,watching_status,watched_episodes\n7,1,8,2,3\n",
      );
      const changed = await runEtl(targetsFor(s3, db));
      assert.equal(changed.status, "succeeded");
      assert.equal((await tableCounts(db)).anime_list, 1);
      const sql = connectTo(db);
      try {
        const runs = await sql`select status, forced from etl.runs order by run_id`;
        assert.deepEqual(runs.map((run) => [run.status, run.forced]), [
          ["succeeded", false],
          ["skipped", false],
          ["succeeded", true],
          ["succeeded", false],
        ]);
      } finally {
        await sql.end();
      }
    } finally {
      await store.close();
    }
  },
);

async function publishedSmallDataset(
  store: TestStore,
): Promise<{ bucket: string; s3: S3Settings; db: DbSettings }> {
  const bucket = uniqueBucket();
  await store.createBucket(bucket);
  await uploadFiles(store, bucket, PREFIX, {
    "watching_status.csv": WATCHING_STATUS_CSV,
    "anime.csv": animeCsv([1, 2, 3]),
    "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,7,Action,Text\n",
    "animelist.csv":
      "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,8,2,3\n1,2,0,6,0\n2,3,7,1,1\n",
  });
  const s3 = store.settings(bucket, PREFIX);
  const db = await freshDatabase();
  const first = await runEtl(targetsFor(s3, db));
  assert.equal(first.status, "succeeded", first.error?.message);
  return { bucket, s3, db };
}

Deno.test(
  "a full refresh publishes every table with planner statistics, anime_list's columns included",
  async () => {
    const store = await startTestStore();
    try {
      const { db } = await publishedSmallDataset(store);
      await using sql = connectTo(db);
      // pg_statistic is written by ANALYZE in the run's transaction; autovacuum never analyzes a
      // three-row table (its threshold is 50 changed rows), so these come from the publish.
      const rows = await sql<{ table: string; columns: string[] }[]>`
        select t.tablename as table,
               coalesce(array_agg(s.attname::text order by s.attname)
                 filter (where s.attname is not null), '{}') as columns
        from pg_tables t
        left join pg_stats s on s.schemaname = t.schemaname and s.tablename = t.tablename
        where t.schemaname = 'public'
        group by t.tablename
        order by t.tablename`;
      const list = rows.find((row) => row.table === "anime_list");
      // Without them the planner takes a user's list for 0.5% of anime_list (docs/serving.md).
      assert.ok(list?.columns.includes("user_id"), JSON.stringify(list));
      assert.ok(list?.columns.includes("anime_id"), JSON.stringify(list));
      const unanalyzed = rows.filter((row) => row.columns.length === 0).map((row) => row.table);
      assert.deepEqual(unanalyzed, [], "every published table with rows has statistics");
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "anime_list is analyzed at statistics target 20, and a user's list is still a range of its key",
  async () => {
    const store = await startTestStore();
    try {
      const db = await publishedGenerated(store, { animelistRows: 20000, seed: 11 });
      await using sql = connectTo(db);
      // The target moves with the staged table into public, for the publish's ANALYZE and
      // autovacuum's alike; the sample follows the largest target, so every column has it.
      const columns = await sql<{ column: string; target: number | null; bounds: number | null }[]>`
        select a.attname as column, a.attstattarget::int as target,
               array_length(s.histogram_bounds::text::text[], 1) as bounds
        from pg_attribute a
        left join pg_stats s on s.schemaname = 'public' and s.tablename = 'anime_list'
          and s.attname = a.attname
        where a.attrelid = 'public.anime_list'::regclass and a.attnum > 0 and not a.attisdropped
        order by a.attnum`;
      assert.deepEqual(columns.map((row) => `${row.column} ${row.target}`), [
        "user_id 20",
        "anime_id 20",
        "rating 20",
        "watching_status 20",
        "watched_episodes 20",
        "source_id 20",
        "source_line 20",
      ]);
      const [stats] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_stats
        where schemaname = 'public' and tablename = 'anime_list'`;
      assert.equal(stats?.n, columns.length, "every column of anime_list has statistics");
      // At most target + 1 histogram bounds: the statistics came from the lower target.
      const userIds = columns.find((row) => row.column === "user_id");
      assert.ok(
        (userIds?.bounds ?? 0) > 1 && (userIds?.bounds ?? 0) <= 21,
        JSON.stringify(userIds),
      );
      // A user's list is read through the primary key, never by a scan of the table, and planned
      // as at the default target (re-analyzed in a transaction rolled back): as a generic plan
      // (a prepared statement's) and for the user with the longest list.
      const [user] = await sql<{ id: number }[]>`
        select user_id as id from public.anime_list group by user_id order by count(*) desc limit 1`;
      const text = (await sqlText("queries/user_list")).trim();
      const plans = async (tx: Pick<Sql, "unsafe">) => {
        const found = [];
        for (
          const [head, parameters] of [
            ["explain (generic_plan, costs off)", []],
            ["explain (costs off)", [user!.id]],
          ] as const
        ) {
          const plan = (await tx.unsafe(`${head} ${text}`, [...parameters]))
            .map((row) => String(Object.values(row)[0])).join("\n");
          assert.match(plan, /Index Cond: \(user_id = /, plan);
          assert.match(
            plan,
            /Index Scan on anime_list_pkey|Index Scan using anime_list_pkey/,
            plan,
          );
          assert.doesNotMatch(plan, /Seq Scan on anime_list|Gather/, plan);
          found.push(plan);
        }
        return found;
      };
      const atTarget = await plans(sql);
      const atDefault = await atDefaultStatistics(
        sql,
        columns.map(({ column }) => ({ table: "anime_list", column })),
        plans,
      );
      assert.deepEqual(atTarget, atDefault);
    } finally {
      await store.close();
    }
  },
);

// A generated data set over 400 anime, published into a fresh database by one run.
async function publishedGenerated(
  store: TestStore,
  options: { animelistRows: number; seed: number },
): Promise<DbSettings> {
  const bucket = uniqueBucket();
  await store.createBucket(bucket);
  await uploadDataset(store, bucket, PREFIX, { ...options, animeRows: 400 });
  const db = await freshDatabase();
  const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
  assert.equal(summary.status, "succeeded", summary.error?.message);
  return db;
}

// `work`'s result with `columns` at the default statistics target and their tables analyzed again,
// in a transaction rolled back: the published statistics stay as the run left them.
async function atDefaultStatistics<T>(
  sql: Sql,
  columns: { table: string; column: string }[],
  work: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  const rollback = new Error("rolled back");
  let result: T | undefined;
  await sql.begin(async (tx) => {
    for (const { table, column } of columns) {
      await tx.unsafe(`alter table public.${table} alter column ${column} set statistics -1`);
    }
    const tables = [...new Set(columns.map(({ table }) => `public.${table}`))];
    await tx.unsafe(`analyze ${tables.join(", ")}`);
    result = await work(tx);
    throw rollback;
  }).catch((error) => {
    if (error !== rollback) throw error;
  });
  return result as T;
}

// Every query an analyst, the dashboard or the export runs on the star schema, planned as a generic
// plan (its parameters unknown) without costs: the plans' shape only.
async function planOfEveryQuery(sql: Pick<Sql, "unsafe">): Promise<Map<string, string>> {
  const plans = new Map<string, string>();
  const files = [];
  for (const dir of ["queries", "dashboard"]) {
    for await (const entry of Deno.readDir(new URL(`../sql/${dir}/`, import.meta.url))) {
      if (entry.name.endsWith(".sql")) files.push(`${dir}/${entry.name}`);
    }
  }
  files.push("export/anime_features.sql");
  for (const file of files.sort()) {
    const text = await Deno.readTextFile(new URL(`../sql/${file}`, import.meta.url));
    const rows = await sql.unsafe<{ "QUERY PLAN": string }[]>(
      `explain (generic_plan, costs off) ${text.trim().replace(/;$/, "")}`,
    );
    plans.set(file, rows.map((row) => row["QUERY PLAN"]).join("\n"));
  }
  return plans;
}

Deno.test(
  "the descriptive text has no planner statistics, and no query's plan needs them",
  async () => {
    const store = await startTestStore();
    try {
      const db = await publishedGenerated(store, { animelistRows: 4000, seed: 7 });
      await using sql = connectTo(db);
      const unanalyzed = await sql<{ table: string; column: string }[]>`
        select c.relname as table, a.attname as column
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
          and not exists (select from pg_stats s where s.schemaname = 'public'
                          and s.tablename = c.relname and s.attname = a.attname)
        order by 1, 2`;
      assert.deepEqual(unanalyzed.map((row) => `${row.table}.${row.column}`), [
        "anime_meta.aired",
        "anime_meta.audience_age_rating",
        "anime_meta.duration",
        "anime_meta.english_name",
        "anime_meta.japanese_name",
        "anime_meta.licensors",
        "anime_meta.premiered",
        "anime_meta.producers",
        "anime_meta.source",
        "anime_meta.studios",
        "anime_synopsis.synopsis",
      ]);
      const without = await planOfEveryQuery(sql);
      // The same plans with those statistics taken, in a transaction rolled back.
      const withThem = await atDefaultStatistics(sql, unanalyzed, async (tx) => {
        const [taken] = await tx<{ n: number }[]>`
          select count(*)::int as n from pg_stats
          where schemaname = 'public' and tablename in ('anime_meta', 'anime_synopsis')
            and attname = any(${unanalyzed.map((row) => row.column)})`;
        assert.equal(taken?.n, unanalyzed.length);
        return await planOfEveryQuery(tx);
      });
      assert.ok(without.size >= 20, `${without.size} queries planned`);
      assert.deepEqual(without, withThem);
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "the dimensions and aggregates are analyzed at statistics target 20, every query planned as at the default",
  async () => {
    const store = await startTestStore();
    try {
      const db = await publishedGenerated(store, { animelistRows: 4000, seed: 5 });
      await using sql = connectTo(db);
      const tables = [
        "anime_master",
        "anime_meta",
        "anime_score_details",
        "anime_genre",
        "anime_synopsis",
        "anime_status_stats",
        "anime_stats",
      ];
      const columns = await sql<{ table: string; column: string; target: number | null }[]>`
        select c.relname as table, a.attname as column, a.attstattarget::int as target
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relname = any(${tables}) and a.attnum > 0
          and not a.attisdropped
        order by 1, a.attnum`;
      // Each column at 20, but the descriptive text, which has none (the test above).
      const other = columns.filter((row) => row.target !== 20 && row.target !== 0);
      assert.deepEqual(other, []);
      assert.equal(new Set(columns.map((row) => row.table)).size, tables.length);
      // At most target + 1 histogram bounds: 400 distinct ids would give 101 at the default.
      const [bounds] = await sql<{ n: number | null }[]>`
        select array_length(histogram_bounds::text::text[], 1) as n from pg_stats
        where schemaname = 'public' and tablename = 'anime_master' and attname = 'mal_id'`;
      assert.ok((bounds?.n ?? 0) > 1 && (bounds?.n ?? 0) <= 21, JSON.stringify(bounds));
      const atTarget = await planOfEveryQuery(sql);
      const atTwenty = columns.filter((row) => row.target === 20);
      const atDefault = await atDefaultStatistics(sql, atTwenty, async (tx) => {
        const [widened] = await tx<{ n: number | null }[]>`
          select array_length(histogram_bounds::text::text[], 1) as n from pg_stats
          where schemaname = 'public' and tablename = 'anime_master' and attname = 'mal_id'`;
        assert.ok((widened?.n ?? 0) > 21, JSON.stringify(widened));
        return await planOfEveryQuery(tx);
      });
      assert.ok(atTarget.size >= 20, `${atTarget.size} queries planned`);
      assert.deepEqual(atTarget, atDefault);
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "a failed run publishes nothing and leaves the previous tables intact",
  async (t) => {
    const store = await startTestStore();
    try {
      const { bucket, s3, db } = await publishedSmallDataset(store);
      const before = await tableCounts(db);
      const failures = [
        {
          name: "missing required column",
          animelist: "user_id,anime_id,watching_status,watched_episodes\n1,1,2,3\n",
          code: "CSV_HEADER",
          message:
            'Cannot map columns of "Anime_Recommendation_Dataset/animelist.csv": missing required "rating"; found "user_id", "anime_id", "watching_status", "watched_episodes"',
        },
        {
          name: "rejects over the threshold",
          animelist:
            "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,8,2,3\n1,2,99,6,0\n",
          code: "REJECT_THRESHOLD",
          message:
            'Cannot publish "Anime_Recommendation_Dataset/animelist.csv": 1 of 2 rows (50.00%) covering 1 of 2 lines (50.00%) quarantined, limit 1.00%: out_of_range 1; see etl.rejects',
        },
        {
          name: "empty object",
          animelist: "",
          code: "CSV_EMPTY",
          message:
            'Cannot read "Anime_Recommendation_Dataset/animelist.csv": the file is empty (no header line)',
        },
        {
          name: "header only",
          animelist: "user_id,anime_id,rating,watching_status,watched_episodes\n",
          code: "QUALITY_FAILED",
          message: "",
        },
      ];
      for (const failure of failures) {
        await t.step(failure.name, async () => {
          await store.put(bucket, `${PREFIX}animelist.csv`, failure.animelist);
          const summary = await runEtl(targetsFor(s3, db));
          assert.equal(summary.status, "failed");
          assert.equal(summary.error?.code, failure.code);
          if (failure.message) assert.equal(summary.error?.message, failure.message);
          assert.deepEqual(await tableCounts(db), before);
          const sql = connectTo(db);
          try {
            const [run] =
              await sql`select status, error, finished_at from etl.runs where run_id = ${summary.runId}`;
            assert.equal(run?.status, "failed");
            assert.ok(String(run?.error).startsWith(`${failure.code}: `));
            assert.ok(run?.finished_at instanceof Date);
            const [stage] =
              await sql`select count(*)::int as n from pg_namespace where nspname = 'etl_stage'`;
            assert.equal(stage?.n, 0);
          } finally {
            await sql.end();
          }
        });
      }
      await t.step("rejects of a failed run are kept for inspection", async () => {
        const sql = connectTo(db);
        try {
          const [row] =
            await sql`select count(*)::int as n from etl.rejects where reason = 'out_of_range'`;
          assert.equal(row?.n, 1);
        } finally {
          await sql.end();
        }
      });
      await t.step("the next good run publishes", async () => {
        await store.put(
          bucket,
          `${PREFIX}animelist.csv`,
          "user_id,anime_id,rating,watching_status,watched_episodes\n9,1,8,2,3\n",
        );
        const summary = await runEtl(targetsFor(s3, db));
        assert.equal(summary.status, "succeeded", summary.error?.message);
        assert.equal((await tableCounts(db)).anime_list, 1);
      });
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "the synopses are read while the fact table's key builds, and a bad synopsis file still fails the run",
  async (t) => {
    const store = await startTestStore();
    try {
      const { bucket, s3, db } = await publishedSmallDataset(store);
      const before = await tableCounts(db);
      await t.step("read after the facts' COPY, recorded in the table's order", async () => {
        await store.put(
          bucket,
          `${PREFIX}anime_with_synopsis.csv`,
          "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,7,Action,Text\n2,B,7,Action,More\n",
        );
        const base = createProgress({ mode: "quiet" });
        const started: string[] = [];
        const progress = {
          ...base,
          startFile(file: string, sizeBytes: number) {
            started.push(file);
            return base.startFile(file, sizeBytes);
          },
        };
        const summary = await runEtl(targetsFor(s3, db), { force: true, progress });
        assert.equal(summary.status, "succeeded", summary.error?.message);
        assert.deepEqual(started, [
          "watching_status.csv",
          "anime.csv",
          "animelist.csv",
          "anime_with_synopsis.csv",
        ]);
        assert.deepEqual(summary.files.map((file) => file.file), [
          "watching_status.csv",
          "anime.csv",
          "anime_with_synopsis.csv",
          "animelist.csv",
        ]);
        assert.equal(fileOf(summary, "anime_with_synopsis.csv").rowsLoaded, 2);
        assert.equal((await tableCounts(db)).anime_synopsis, 2);
      });
      const published = await tableCounts(db);
      const failures = [
        {
          name: "rejects over the threshold",
          synopsis: "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,7,Action,Text\n99,B,7,Action,More\n",
          code: "REJECT_THRESHOLD",
          message:
            'Cannot publish "Anime_Recommendation_Dataset/anime_with_synopsis.csv": 1 of 2 rows (50.00%) covering 1 of 2 lines (50.00%) quarantined, limit 1.00%: unknown_anime_id 1; see etl.rejects',
        },
        {
          name: "missing required column",
          synopsis: "MAL_ID,Name,Score,Genres\n1,A,7,Action\n",
          code: "CSV_HEADER",
          message:
            'Cannot map columns of "Anime_Recommendation_Dataset/anime_with_synopsis.csv": missing required "sypnopsis"; found "MAL_ID", "Name", "Score", "Genres"',
        },
      ];
      for (const failure of failures) {
        await t.step(failure.name, async () => {
          await store.put(bucket, `${PREFIX}anime_with_synopsis.csv`, failure.synopsis);
          const summary = await runEtl(targetsFor(s3, db), { force: true });
          assert.equal(summary.status, "failed");
          assert.equal(summary.error?.code, failure.code);
          assert.equal(summary.error?.message, failure.message);
          assert.deepEqual(await tableCounts(db), published);
          await using sql = connectTo(db);
          const [stage] =
            await sql`select count(*)::int as n from pg_namespace where nspname = 'etl_stage'`;
          assert.equal(stage?.n, 0);
          const rejects = await sql<{ line_number: string; reason: string; detail: string }[]>`
            select line_number, reason, detail from etl.rejects
            where run_id = ${summary.runId} order by line_number`;
          assert.deepEqual(
            rejects.map((row) => [Number(row.line_number), row.reason]),
            failure.code === "REJECT_THRESHOLD" ? [[3, "unknown_anime_id"]] : [],
          );
        });
      }
      assert.notDeepEqual(published, before);
    } finally {
      await store.close();
    }
  },
);

Deno.test("a missing source file fails the run before any table is created", async () => {
  const store = await startTestStore();
  try {
    const bucket = uniqueBucket();
    await store.createBucket(bucket);
    await uploadFiles(store, bucket, PREFIX, {
      "watching_status.csv": WATCHING_STATUS_CSV,
      "anime.csv.gz": new Uint8Array(),
    });
    const db = await freshDatabase();
    const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
    assert.equal(summary.status, "failed");
    assert.equal(summary.error?.code, "SOURCE_MISSING");
    assert.equal(
      summary.error?.message,
      `Cannot find source files in bucket "${bucket}": missing "Anime_Recommendation_Dataset/anime_with_synopsis.csv" (or .gz), "Anime_Recommendation_Dataset/animelist.csv" (or .gz)`,
    );
    const sql = connectTo(db);
    try {
      const [tables] =
        await sql`select count(*)::int as n from pg_tables where schemaname = 'public'`;
      assert.equal(tables?.n, 0);
    } finally {
      await sql.end();
    }
  } finally {
    await store.close();
  }
});

Deno.test(
  "a second run refuses while the run lock is held; the next run marks the dead one failed",
  async () => {
    const store = await startTestStore();
    try {
      const { s3, db } = await publishedSmallDataset(store);
      const holder = connectTo(db);
      try {
        const reserved = await holder.reserve();
        await reserved`insert into etl.runs (status) values ('running')`;
        await reserved`select pg_advisory_lock(7411002)`;
        await assert.rejects(
          runEtl(targetsFor(s3, db), { force: true }),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, "RUN_LOCKED");
            assert.match(
              error.message,
              /^Cannot start a run: another run is in progress \(run \d+, started /,
            );
            return true;
          },
        );
        reserved.release();
      } finally {
        await holder.end();
      }
      // The lock died with its connection; the run it left "running" is marked failed by the next run.
      const next = await runEtl(targetsFor(s3, db), { force: true });
      assert.equal(next.status, "succeeded", next.error?.message);
      const sql = connectTo(db);
      try {
        const runs = await sql`select status, error from etl.runs order by run_id`;
        assert.deepEqual(runs.map((run) => run.status), ["succeeded", "failed", "succeeded"]);
        assert.match(
          String(runs[1]?.error),
          /^ABANDONED: the process ended without finishing; found by run \d+$/,
        );
      } finally {
        await sql.end();
      }
    } finally {
      await store.close();
    }
  },
);
