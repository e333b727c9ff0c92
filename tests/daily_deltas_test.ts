// Daily deltas against real PostgreSQL and s3rver: the source contract line by line, the state rule
// (full, incremental, skipped, every fallback) and day by day == one full refresh, row for row.
import assert from "node:assert/strict";
import type { DbSettings } from "../lib/config/settings.ts";
import { runEtl, type RunSummary } from "../lib/run_etl.ts";
import { readDashboardData } from "../lib/dashboard/read_dashboard_data.ts";
import { renderDashboard } from "../lib/dashboard/render_dashboard.ts";
import { checkDeadline } from "../lib/schedule/check_deadline.ts";
import { sqlText } from "../lib/db/sql_files.ts";
import {
  checkDeltaReferences,
  restoreRowTriggers,
  skipRowTriggers,
} from "../lib/load/delta_references.ts";
import { animeCsv, WATCHING_STATUS_CSV } from "./helpers/fixtures.ts";
import { assertNothingPublished, publishedFingerprint } from "./helpers/published.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "./helpers/services.ts";
import { deleteObject, gzip, PREFIX, uploadFiles } from "./helpers/uploads.ts";

const LIST_HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";
const DAY_1 = "animelist_updates/2026-12-01.csv";
const DAY_2 = "animelist_updates/2026-12-02.csv.gz";

const SNAPSHOT = {
  "watching_status.csv": WATCHING_STATUS_CSV,
  "anime.csv": animeCsv([1, 2, 3]),
  "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,8.0,Action,One\n",
  "animelist.csv": `${LIST_HEADER}\n1,1,5,1,3\n1,2,0,6,0\n2,1,8,2,12\n`,
};

// Line 2 is superseded by line 4; 7-11 are quarantined (11 displaces a live pair); 12 is blank.
const DAY_1_BODY = [
  `,${LIST_HEADER},removed`,
  "0,1,1,7,2,12,",
  "1,3,3,0,1,1,0",
  "2,1,1,9,2,12,false",
  "3,1,2,,,,1",
  "4,9,9,,,,TRUE",
  "5,2,1,11,2,12,",
  "6,4,1,x,2,1,",
  "7,4,2,5,2,3,maybe",
  "8,5,99,5,2,3,",
  "9,2,1,8,7,12,",
  "",
  "",
].join("\n");

async function withBucket(
  fn: (store: TestStore, bucket: string, db: DbSettings) => Promise<void>,
): Promise<void> {
  const store = await startTestStore();
  try {
    const bucket = uniqueBucket("delta");
    await store.createBucket(bucket);
    await fn(store, bucket, await freshDatabase("delta"));
  } finally {
    await store.close();
  }
}

async function run(
  store: TestStore,
  bucket: string,
  db: DbSettings,
  options: { force?: boolean; rejectThreshold?: number } = {},
): Promise<RunSummary> {
  return await runEtl(
    targetsFor(store.settings(bucket, PREFIX), db, options.rejectThreshold ?? 0.6),
    { force: options.force ?? false },
  );
}

async function succeeded(
  store: TestStore,
  bucket: string,
  db: DbSettings,
  kind: RunSummary["kind"],
  options: { force?: boolean; rejectThreshold?: number } = {},
): Promise<RunSummary> {
  const summary = await run(store, bucket, db, options);
  assert.notEqual(summary.status, "failed", summary.error?.message);
  assert.equal(summary.kind, kind, summary.reason);
  return summary;
}

async function listRows(db: DbSettings): Promise<string[]> {
  await using sql = connectTo(db);
  const rows = await sql<{ row: string }[]>`
    select concat_ws(',', user_id, anime_id, rating, watching_status, watched_episodes, source_id,
      source_line) as row
    from public.anime_list order by user_id, anime_id`;
  return rows.map((row) => row.row);
}

/** anime_list's table OID and each pair's physical place (ctid, xmin). */
async function factTable(db: DbSettings): Promise<{ oid: number; rows: Map<string, string> }> {
  await using sql = connectTo(db);
  const [table] = await sql`select 'public.anime_list'::regclass::oid::int as oid`;
  const rows = await sql<{ pair: string; at: string }[]>`
    select user_id || ',' || anime_id as pair, ctid::text || ' ' || xmin::text as at
    from public.anime_list`;
  return { oid: table!.oid, rows: new Map(rows.map((row) => [row.pair, row.at])) };
}

/** The published tables of a fresh database after one forced full refresh of the same bucket. */
async function fullRefreshFingerprint(
  store: TestStore,
  bucket: string,
): Promise<Record<string, string>> {
  const fresh = await freshDatabase("refresh");
  await succeeded(store, bucket, fresh, "full");
  return { ...await publishedFingerprint(fresh), held_back: (await heldBack(fresh)).join(";") };
}

/** The published tables and the held-back lines (without their reason: why, at the time). */
async function stateFingerprint(db: DbSettings): Promise<Record<string, string>> {
  return { ...await publishedFingerprint(db), held_back: (await heldBack(db)).join(";") };
}

async function heldBack(db: DbSettings): Promise<string[]> {
  await using sql = connectTo(db);
  const rows = await sql<{ row: string }[]>`
    select concat_ws(',', user_id, anime_id, rating, watching_status, watched_episodes, source_id,
      source_line) as row
    from etl.held_back_list_rows order by user_id, anime_id, source_id, source_line`;
  return rows.map((row) => row.row);
}

Deno.test("a delta applies last-line-wins events, removals and quarantine with exact counts", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, { ...SNAPSHOT, [DAY_1]: DAY_1_BODY });
    const summary = await succeeded(store, bucket, db, "full");
    assert.equal(summary.reason, "nothing published yet");
    const delta = summary.files.find((file) => file.file === DAY_1)!;
    assert.deepEqual(delta.delta, {
      sourceId: 2,
      inserted: 1,
      updated: 1,
      removed: 1,
      absentRemovals: 1,
      superseded: 1,
      displaced: 1,
      listRows: 2,
    });
    assert.equal(delta.rowsRead, 10);
    assert.equal(delta.rowsQuarantined, 5);
    assert.deepEqual(delta.lines, { total: 12, header: 1, loaded: 5, quarantined: 5, blank: 1 });
    assert.deepEqual(delta.ignoredColumns, []);
    assert.deepEqual(await listRows(db), ["1,1,9,2,12,2,4", "3,3,0,1,1,2,3"]);
    await using sql = connectTo(db);
    const rejects = await sql`
      select line_number::int as line, reason, detail from etl.rejects
      where run_id = ${summary.runId} and source_key = ${PREFIX + DAY_1} order by line_number`;
    assert.deepEqual(rejects.map((row) => [row.line, row.reason]), [
      [7, "out_of_range"],
      [8, "invalid_value"],
      [9, "invalid_value"],
      [10, "unknown_anime_id"],
      [11, "unknown_watching_status"],
    ]);
    assert.match(rejects[2]!.detail, /column "removed": "maybe"/);
    const [file] = await sql`
      select source_id, rows_inserted::int, rows_updated::int, rows_removed::int,
        absent_removals::int, rows_superseded::int, rows_displaced::int, list_rows::int
      from etl.run_files where run_id = ${summary.runId} and source_file = ${DAY_1}`;
    assert.deepEqual({ ...file }, {
      source_id: 2,
      rows_inserted: 1,
      rows_updated: 1,
      rows_removed: 1,
      absent_removals: 1,
      rows_superseded: 1,
      rows_displaced: 1,
      list_rows: 2,
    });
    const sources = await sql`
      select source_id, object_key, as_of::text from public.anime_list_source order by source_id`;
    assert.deepEqual(sources.map((row) => [row.source_id, row.object_key, row.as_of]), [
      [1, `${PREFIX}animelist.csv`, null],
      [2, `${PREFIX}${DAY_1}`, "2026-12-01"],
    ]);
    const checks = summary.checks.filter((check) => check.name === "deltas_reconcile");
    assert.equal(checks[0]?.status, "passed", checks[0]?.observed);
  });
});

Deno.test("new deltas run incrementally, unchanged sources skip, and the result equals a full refresh", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, { ...SNAPSHOT, [DAY_1]: DAY_1_BODY });
    await succeeded(store, bucket, db, "full");
    await store.put(bucket, PREFIX + DAY_2, await gzip(`${LIST_HEADER}\n2,1,8,2,12\n3,3,1,1,2\n`));
    const day2 = await succeeded(store, bucket, db, "incremental");
    assert.equal(day2.reason, `1 new delta after "${PREFIX}${DAY_1}"`);
    assert.deepEqual(day2.files.map((file) => file.file).filter((f) => f.includes("/")), [DAY_2]);
    assert.equal(day2.files.find((file) => file.file === DAY_2)!.delta!.listRows, 3);
    // The test server's role is a superuser: the merge's foreign keys are checked as one set.
    assert.equal(day2.files.find((file) => file.file === DAY_2)!.referenceCheck, "set-based");
    assert.deepEqual(day2.checks.map((check) => [check.name, check.status]), [
      ["deltas_reconcile", "passed"],
    ]);
    assert.deepEqual(await listRows(db), ["1,1,9,2,12,2,4", "2,1,8,2,12,3,2", "3,3,1,1,2,3,3"]);
    await using sql = connectTo(db);
    // The dashboard names the last delta, its as-of date and lag; a deadline counts the run as met.
    const dashboard = await readDashboardData(sql);
    const [today] = await sql`select (now()::date - date '2026-12-02')::int as lag`;
    assert.deepEqual(
      { ...dashboard.lastDelta, applied_at: undefined },
      {
        source_id: 3,
        object_key: PREFIX + DAY_2,
        as_of: "2026-12-02",
        applied_run_id: day2.runId,
        applied_at: undefined,
        lag_days: today!.lag,
      },
    );
    assert.match(
      renderDashboard(dashboard),
      new RegExp(
        `data-field="last-delta" data-value="${
          today!.lag
        }">${PREFIX}${DAY_2} \\(as of 2026-12-02, lag`,
      ),
    );
    const now = new Date();
    const deadline = await checkDeadline(sql, {
      dueAt: new Date(now.getTime() + 3_600_000),
      windowStart: new Date(now.getTime() - 60_000),
      windowEnd: new Date(now.getTime() + 7_200_000),
    }, { now });
    assert.equal(deadline.status, "met", deadline.detail);
    const skipped = await succeeded(store, bucket, db, "skipped");
    assert.equal(skipped.status, "skipped");
    const runs = await sql`select kind, reason, status from etl.runs order by run_id`;
    assert.deepEqual(runs.map((row) => [row.kind, row.status]), [
      ["full", "succeeded"],
      ["incremental", "succeeded"],
      ["skipped", "skipped"],
    ]);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
  });
});

Deno.test("a changed, vanished or late delta falls back to a full refresh that says why", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, { ...SNAPSHOT, [DAY_1]: DAY_1_BODY });
    await store.put(bucket, PREFIX + DAY_2, await gzip(`${LIST_HEADER}\n2,1,8,2,12\n`));
    await succeeded(store, bucket, db, "full");

    await store.put(bucket, PREFIX + DAY_1, `${LIST_HEADER}\n1,3,4,2,1\n`);
    const changed = await succeeded(store, bucket, db, "full");
    assert.match(changed.reason!, new RegExp(`^applied delta "${PREFIX}${DAY_1}" changed \\(ETag`));
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));

    await deleteObject(store, bucket, PREFIX + DAY_2);
    const vanished = await succeeded(store, bucket, db, "full");
    assert.equal(vanished.reason, `applied delta "${PREFIX}${DAY_2}" disappeared`);

    await store.put(
      bucket,
      PREFIX + "animelist_updates/2026-11-30.csv",
      `${LIST_HEADER}\n3,2,2,1,1\n`,
    );
    const late = await succeeded(store, bucket, db, "full");
    assert.equal(
      late.reason,
      `new delta "${PREFIX}animelist_updates/2026-11-30.csv" sorts before the last applied "${PREFIX}${DAY_1}"`,
    );
    assert.deepEqual(await listRows(db), [
      "1,1,5,1,3,1,2",
      "1,2,0,6,0,1,3",
      "1,3,4,2,1,3,2",
      "2,1,8,2,12,1,4",
      "3,2,2,1,1,2,2",
    ]);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));

    // A dimension file alone is reconciled in place; animelist.csv changing reloads the facts.
    await store.put(bucket, PREFIX + "anime.csv", animeCsv([1, 2, 3, 4]));
    const dimension = await succeeded(store, bucket, db, "incremental");
    assert.equal(dimension.reason, "dimensions changed: anime.csv");
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
    await store.put(bucket, PREFIX + "animelist.csv", `${LIST_HEADER}\n1,4,5,1,3\n`);
    await store.put(bucket, PREFIX + "watching_status.csv", WATCHING_STATUS_CSV + "\n");
    const facts = await succeeded(store, bucket, db, "full");
    assert.match(facts.reason!, /animelist\.csv" changed/);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
    await using sql = connectTo(db);
    const reasons = await sql`select kind, reason from etl.runs order by run_id`;
    assert.equal(reasons.length, 6);
    assert.deepEqual(reasons.map((row) => row.kind), [
      "full",
      "full",
      "full",
      "full",
      "incremental",
      "full",
    ]);
    assert.ok(reasons.every((row) => row.reason.length > 0));
  });
});

Deno.test("a delta over the reject threshold fails naming its key; the next run applies it once", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, SNAPSHOT);
    await succeeded(store, bucket, db, "full", { rejectThreshold: 0.01 });
    const before = await publishedFingerprint(db);
    await store.put(bucket, PREFIX + DAY_1, `${LIST_HEADER}\n1,3,4,2,1\n1,x,4,2,1\n`);
    const failed = await run(store, bucket, db, { rejectThreshold: 0.01 });
    assert.equal(failed.status, "failed");
    assert.equal(failed.kind, "incremental");
    assert.equal(failed.error?.code, "REJECT_THRESHOLD");
    assert.match(failed.error!.message, new RegExp(`"${PREFIX}${DAY_1}"`));
    await assertNothingPublished(db, failed.runId, before, failed.error!);
    const retried = await succeeded(store, bucket, db, "incremental", { rejectThreshold: 0.6 });
    assert.equal(retried.files.find((file) => file.file === DAY_1)!.delta!.inserted, 1);
    await succeeded(store, bucket, db, "skipped", { rejectThreshold: 0.6 });
    assert.deepEqual(await listRows(db), [
      "1,1,5,1,3,1,2",
      "1,2,0,6,0,1,3",
      "1,3,4,2,1,2,2",
      "2,1,8,2,12,1,4",
    ]);
  });
});

// A small seeded generator (mulberry32), so that the days are the same on every run.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pair = [number, number];
type Values = [number, number, number];

/** Days of realistic changes: updates, new pairs, removals (some absent), repeats, dirt. */
function generateDays(
  seed: number,
  days: number,
  rowsPerDay: number,
  users: number,
  anime: number,
) {
  const next = random(seed);
  const pick = (n: number) => 1 + Math.floor(next() * n);
  const values = (): Values => [Math.floor(next() * 11), [1, 2, 3, 4, 6][pick(5) - 1]!, pick(30)];
  const snapshot: string[] = [LIST_HEADER];
  for (let i = 0; i < rowsPerDay * 4; i++) {
    snapshot.push([pick(users), pick(anime), ...values()].join(","));
  }
  snapshot.push("7,3,x,1,1", `${pick(users)},${anime + 1},5,2,3`, "");
  const bodies: string[] = [];
  for (let day = 0; day < days; day++) {
    const lines = [`${LIST_HEADER},removed`];
    for (let i = 0; i < rowsPerDay; i++) {
      const roll = next();
      const pair: Pair = [pick(users), pick(anime + 1)];
      if (roll < 0.1) lines.push(`${pair.join(",")},,,,${next() < 0.5 ? "1" : "True"}`);
      else if (roll < 0.13) lines.push(`${pair.join(",")},12,2,1,`);
      else if (roll < 0.15) lines.push(`${pair.join(",")},3,5,1,`);
      else lines.push([...pair, ...values(), next() < 0.5 ? "" : "0"].join(","));
      if (next() < 0.1) lines.push([...pair, ...values(), ""].join(","));
    }
    bodies.push(lines.join("\n") + "\n");
  }
  return { snapshot: snapshot.join("\n"), bodies };
}

// The state rule written out plainly: the snapshot (valid, admissible rows; first line wins), then
// each delta's last valid line per pair, every row checked against the final anime ids.
function expectedList(snapshot: string, bodies: string[], anime: Set<number>): string[] {
  const statuses = new Set([1, 2, 3, 4, 6]);
  const list = new Map<string, string>();
  const valid = (fields: string[]) =>
    fields.slice(0, 5).every((field) => /^\d+$/.test(field)) && Number(fields[2]) <= 10;
  snapshot.split("\n").slice(1).forEach((line, index) => {
    const fields = line.split(",");
    if (fields.length !== 5 || !valid(fields)) return;
    if (!anime.has(Number(fields[1])) || !statuses.has(Number(fields[3]))) return;
    const key = `${fields[0]},${fields[1]}`;
    if (!list.has(key)) list.set(key, `${fields.join(",")},1,${index + 2}`);
  });
  bodies.forEach((body, day) => {
    const finals = new Map<string, { fields: string[]; line: number }>();
    body.split("\n").slice(1).forEach((line, index) => {
      const fields = line.split(",");
      if (fields.length !== 6) return;
      const removal = /^(1|true)$/i.test(fields[5]!);
      if (removal ? !fields.slice(0, 2).every((f) => /^\d+$/.test(f)) : !valid(fields)) return;
      finals.set(`${fields[0]},${fields[1]}`, { fields, line: index + 2 });
    });
    for (const [key, { fields, line }] of finals) {
      const removal = /^(1|true)$/i.test(fields[5]!);
      const admissible = anime.has(Number(fields[1])) && statuses.has(Number(fields[3]));
      if (removal || !admissible) list.delete(key);
      else list.set(key, `${fields.slice(0, 5).join(",")},${day + 2},${line}`);
    }
  });
  return [...list.entries()].sort(([a], [b]) => {
    const [ua, aa] = a.split(",").map(Number);
    const [ub, ab] = b.split(",").map(Number);
    return ua! - ub! || aa! - ab!;
  }).map(([, row]) => row);
}

Deno.test("day by day equals one full refresh, row for row, across an anime.csv change", async () => {
  await withBucket(async (store, bucket, db) => {
    const { snapshot, bodies } = generateDays(15, 4, 150, 40, 30);
    const key = (day: number) =>
      `animelist_updates/2026-12-0${day + 1}.csv${day === 3 ? ".gz" : ""}`;
    const put = async (day: number) =>
      await store.put(
        bucket,
        PREFIX + key(day),
        day === 3 ? await gzip(bodies[day]!) : bodies[day]!,
      );
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    await uploadFiles(store, bucket, PREFIX, {
      ...SNAPSHOT,
      "anime.csv": animeCsv(ids),
      "animelist.csv": snapshot,
    });
    await put(0);
    await succeeded(store, bucket, db, "full");
    await put(1);
    await succeeded(store, bucket, db, "incremental");
    // Day 3: anime 31, which earlier rows referred to, is added and anime 7 is removed.
    const changed = [...ids.filter((id) => id !== 7), 31];
    await store.put(bucket, PREFIX + "anime.csv", animeCsv(changed));
    await put(2);
    const before = await factTable(db);
    const dimensions = await succeeded(store, bucket, db, "incremental");
    assert.equal(
      dimensions.reason,
      `dimensions changed: anime.csv; 1 new delta after "${PREFIX}${key(1)}"`,
    );
    // The facts were reconciled in place, not reloaded: the same table, its untouched rows unmoved.
    const after = await factTable(db);
    assert.equal(after.oid, before.oid);
    const moved = [...before.rows].filter(([pair, at]) =>
      after.rows.has(pair) && after.rows.get(pair) !== at
    );
    assert.ok(after.rows.size > 100, `${after.rows.size} rows`);
    assert.ok(
      [...before.rows.keys()].filter((pair) => after.rows.get(pair) === before.rows.get(pair))
        .length > before.rows.size / 2,
      `untouched rows kept their place (moved: ${moved.length} of ${before.rows.size})`,
    );
    const reconciled = dimensions.reconciled!;
    assert.ok(reconciled.removed > 0 && reconciled.admitted > 0, JSON.stringify(reconciled));
    assert.deepEqual(reconciled.removedKeys, { anime: 1, statuses: 0 });
    await put(3);
    const last = await succeeded(store, bucket, db, "incremental");
    const day4 = last.files.find((file) => file.file === key(3))!;
    assert.ok(day4.delta!.superseded > 0 && day4.delta!.absentRemovals > 0, JSON.stringify(day4));
    assert.deepEqual(await listRows(db), expectedList(snapshot, bodies, new Set(changed)));
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
  });
});

Deno.test("a removed anime nobody listed skips the list's scan and still equals a full refresh", async () => {
  await withBucket(async (store, bucket, db) => {
    // Anime 9 has no list line; anime 5 is undefined, so its lines are held back (the delta's
    // final line of (3,5) and the snapshot's (1,5), whose repeat on line 4 is held back too).
    await uploadFiles(store, bucket, PREFIX, {
      ...SNAPSHOT,
      "anime.csv": animeCsv([1, 2, 3, 9]),
      "animelist.csv": `${LIST_HEADER}\n1,1,5,1,3\n1,5,7,2,4\n1,5,9,1,1\n2,2,6,1,1\n`,
      [DAY_1]: `${LIST_HEADER},removed\n3,5,8,2,2,\n2,2,3,2,5,\n`,
    });
    await succeeded(store, bucket, db, "full");
    await using sql = connectTo(db);
    const [before] = await sql`
      select count(*)::int as rows from public.anime_status_stats where anime_id = 9`;
    assert.equal(before!.rows, 0, "the aggregates count no fact row of anime 9");
    const { oid } = await factTable(db);
    // 9 leaves (no fact row refers to it: no scan of the list), 5 arrives (its lines are admitted).
    await store.put(bucket, PREFIX + "anime.csv", animeCsv([1, 2, 3, 5]));
    const changed = await succeeded(store, bucket, db, "incremental");
    assert.equal(changed.reason, "dimensions changed: anime.csv");
    assert.deepEqual(changed.reconciled, {
      removedKeys: { anime: 1, statuses: 0 },
      removed: 0,
      admitted: 2,
      replaced: 0,
      listRows: 4,
    });
    assert.deepEqual(await listRows(db), [
      "1,1,5,1,3,1,2",
      "1,5,7,2,4,1,3",
      "2,2,3,2,5,2,3",
      "3,5,8,2,2,2,2",
    ]);
    assert.deepEqual(
      changed.checks.filter((check) => check.status === "failed").map((check) => check.name),
      [],
    );
    assert.ok(!changed.checks.some((check) => check.name === "aggregates_match_facts"));
    assert.equal((await factTable(db)).oid, oid, "anime_list was never reloaded");
    const [gone] = await sql`select count(*)::int as n from public.anime_master where mal_id = 9`;
    assert.equal(gone!.n, 0);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
  });
});

Deno.test("the removed keys' set-based reference check names a table that still refers to one", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, SNAPSHOT);
    await succeeded(store, bucket, db, "full");
    await using sql = connectTo(db);
    await sql.begin(async (tx) => {
      // Anime 1 has meta, genre and synopsis rows and aggregates; status 6 has an aggregate row.
      await tx.unsafe(`create temp table removed_keys on commit drop as
        select 'anime'::text as kind, 1 as key union all select 'status', 6`);
      const [found] = await tx.unsafe(await sqlText("dimensions/check_removed_keys"));
      assert.deepEqual(found!.tables, [
        "anime_meta",
        "anime_score_details",
        "anime_genre",
        "anime_synopsis",
        "anime_stats",
        "anime_status_stats",
      ]);
      await tx.unsafe(`truncate removed_keys;
        insert into removed_keys values ('anime', 99), ('status', 5)`);
      const [none] = await tx.unsafe(await sqlText("dimensions/check_removed_keys"));
      assert.deepEqual(none!.tables, []);
    });
  });
});

Deno.test("the merge joins the delta to anime_list by its primary key, never by a scan", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, SNAPSHOT);
    await succeeded(store, bucket, db, "full");
    await using sql = connectTo(db);
    await sql.begin(async (tx) => {
      await tx.unsafe("set local search_path to public");
      // A fact table far larger than the delta, as every day's is.
      await tx.unsafe(
        `insert into anime_list select n, 2, 5, 2, 1, 1, n + 1 from generate_series(10, 30000) n;
         analyze anime_list`,
      );
      await tx.unsafe(await sqlText("deltas/create_delta_events"));
      await tx.unsafe(
        "insert into delta_events select n * 50, 2, 5, 2, 1, n + 1, n % 2 from generate_series(1, 80) n",
      );
      await tx.unsafe(await sqlText("deltas/key_delta_events"));
      await tx.unsafe(await sqlText("deltas/probe_plan"));
      for (const [name, parameters] of [["update_delta_pairs", [2]], ["remove_delta_pairs", []]]) {
        const plan = await tx.unsafe(
          `explain ${await sqlText(`deltas/${name}`)}`,
          parameters as number[],
        );
        const text = plan.map((row) => String(Object.values(row)[0])).join("\n");
        assert.match(text, /Index Scan using anime_list_pkey on anime_list/, text);
        assert.doesNotMatch(text, /Seq Scan on anime_list|Hash Join|Merge Join|Memoize/, text);
      }
      await tx.unsafe(await sqlText("deltas/restore_plan"));
      const [setting] = await tx.unsafe(
        `select current_setting('enable_hashjoin') as hash,
                current_setting('enable_memoize') as memoize`,
      );
      assert.deepEqual(
        { ...setting },
        { hash: "on", memoize: "on" },
        "the planner's settings are restored after the merge",
      );
    });
  });
});

Deno.test("a watching_status.csv change re-picks each pair's first admissible line, in place, and back", async () => {
  await withBucket(async (store, bucket, db) => {
    const statuses = (codes: number[]) =>
      `status, description\n${codes.map((code) => `${code},Status ${code}`).join("\n")}\n`;
    await uploadFiles(store, bucket, PREFIX, {
      ...SNAPSHOT,
      "watching_status.csv": statuses([1, 2, 3, 4, 6]),
      // Pair (1,1): line 2 (status 3) is first, line 3 repeats it; line 4 refers to status 5.
      "animelist.csv": `${LIST_HEADER}\n1,1,5,3,3\n1,1,7,2,4\n2,1,8,5,1\n2,2,6,1,1\n`,
      // A delta's final line with status 5 is held back; (2,2) is removed, then set again.
      [DAY_1]: `${LIST_HEADER},removed\n3,1,9,5,2,\n2,2,,,,1\n2,2,4,1,2,\n`,
    });
    await succeeded(store, bucket, db, "full");
    assert.deepEqual(await listRows(db), ["1,1,5,3,3,1,2", "2,2,4,1,2,2,4"]);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
    const { oid } = await factTable(db);

    // Status 3 disappears and 5 appears: (1,1) falls back to line 3, (2,1) and (3,1) are admitted.
    await store.put(bucket, PREFIX + "watching_status.csv", statuses([1, 2, 4, 5, 6]));
    const swapped = await succeeded(store, bucket, db, "incremental");
    assert.equal(swapped.reason, "dimensions changed: watching_status.csv");
    assert.deepEqual(swapped.reconciled, {
      removedKeys: { anime: 0, statuses: 1 },
      removed: 1,
      admitted: 3,
      replaced: 0,
      listRows: 4,
    });
    assert.deepEqual(await listRows(db), [
      "1,1,7,2,4,1,3",
      "2,1,8,5,1,1,4",
      "2,2,4,1,2,2,4",
      "3,1,9,5,2,2,2",
    ]);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
    await using sql = connectTo(db);
    const rejects = await sql`
      select source_key, line_number::int as line, reason from etl.rejects
      where run_id = ${swapped.runId} order by source_key, line_number`;
    assert.deepEqual(rejects.map((row) => [row.source_key, row.line, row.reason]), [
      [`${PREFIX}animelist.csv`, 2, "unknown_watching_status"],
    ]);
    assert.deepEqual(
      swapped.checks.filter((check) => check.status === "failed").map((check) => check.name),
      [],
    );

    // And back: line 2 outranks line 3 again, which is quarantined as a repeat; 5 leaves.
    await store.put(bucket, PREFIX + "watching_status.csv", statuses([1, 2, 3, 4, 6]));
    const back = await succeeded(store, bucket, db, "incremental");
    assert.deepEqual(back.reconciled, {
      removedKeys: { anime: 0, statuses: 1 },
      removed: 2,
      admitted: 1,
      replaced: 1,
      listRows: 2,
    });
    assert.deepEqual(await listRows(db), ["1,1,5,3,3,1,2", "2,2,4,1,2,2,4"]);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
    const backRejects = await sql`
      select source_key, line_number::int as line, reason from etl.rejects
      where run_id = ${back.runId} order by source_key, line_number`;
    assert.deepEqual(backRejects.map((row) => [row.source_key, row.line, row.reason]), [
      [`${PREFIX}animelist.csv`, 3, "duplicate_key"],
      [`${PREFIX}animelist.csv`, 4, "unknown_watching_status"],
      [`${PREFIX}${DAY_1}`, 2, "unknown_watching_status"],
    ]);
    assert.equal((await factTable(db)).oid, oid, "anime_list was never reloaded");
    // A new delta after the dimension runs is an ordinary incremental run on the reconciled list.
    await store.put(bucket, PREFIX + DAY_2, await gzip(`${LIST_HEADER}\n2,1,3,2,1\n`));
    const next = await succeeded(store, bucket, db, "incremental");
    assert.equal(next.files.find((file) => file.file === DAY_2)!.delta!.listRows, 3);
    assert.deepEqual(await stateFingerprint(db), await fullRefreshFingerprint(store, bucket));
  });
});

Deno.test("a full refresh replays its deltas in one pass with the counts day by day gives each", async () => {
  await withBucket(async (store, bucket, db) => {
    // Repeats within and across days, removals of pairs a day before added, snapshot repeats.
    const { snapshot, bodies } = generateDays(7, 4, 200, 30, 20);
    const key = (day: number) => `animelist_updates/2026-12-0${day + 1}.csv`;
    await uploadFiles(store, bucket, PREFIX, {
      ...SNAPSHOT,
      "anime.csv": animeCsv(Array.from({ length: 20 }, (_, i) => i + 1)),
      "animelist.csv": snapshot,
    });
    const daily: unknown[] = [];
    const deltasOf = (summary: RunSummary) =>
      summary.files.filter((file) => file.delta).map((file) => ({
        file: file.file,
        read: file.rowsRead,
        quarantined: file.rowsQuarantined,
        lines: file.lines,
        delta: file.delta,
      }));
    for (let day = 0; day < 4; day++) {
      await store.put(bucket, PREFIX + key(day), bodies[day]!);
      daily.push(
        ...deltasOf(await succeeded(store, bucket, db, day === 0 ? "full" : "incremental")),
      );
    }
    const fresh = await freshDatabase("replay");
    const full = await succeeded(store, bucket, fresh, "full");
    assert.deepEqual(deltasOf(full), daily);
    const counts = (daily as { delta: { updated: number; removed: number } }[]).map((d) => d.delta);
    assert.ok(
      counts.every((delta) => delta.updated > 0 && delta.removed > 0),
      JSON.stringify(counts),
    );
    assert.deepEqual(await stateFingerprint(fresh), await stateFingerprint(db));
    const quarantined = async (target: DbSettings) => {
      await using sql = connectTo(target);
      const rows = await sql<{ row: string }[]>`
        select concat_ws('|', source_key, line_number, reason, detail) as row from etl.rejects
        where source_key like ${"%" + "animelist.csv"} order by line_number, reason`;
      return rows.map((row) => row.row);
    };
    // The snapshot's repeats (some of pairs the deltas replaced) are quarantined the same way.
    assert.deepEqual(await quarantined(fresh), await quarantined(db));
    assert.equal(full.checks.filter((check) => check.status === "failed").length, 0);
  });
});

// Puts delta_events rows (user_id, anime_id, watching_status; kind 0) on anime_list as the merge
// does, set by source 2, with the reference check the role's path gives.
async function mergeRows(
  tx: Parameters<typeof skipRowTriggers>[0],
  rows: [number, number, number][],
): Promise<Awaited<ReturnType<typeof skipRowTriggers>>> {
  await tx.unsafe(await sqlText("deltas/create_delta_events"));
  for (const [user, anime, status] of rows) {
    await tx.unsafe(`insert into delta_events values (${user}, ${anime}, 5, ${status}, 1, 9, 0)`);
  }
  await tx.unsafe(await sqlText("deltas/key_delta_events"));
  const path = await skipRowTriggers(tx);
  await tx.unsafe(await sqlText("deltas/insert_delta_rows"), [2]);
  if (path === "set-based") {
    await restoreRowTriggers(tx);
    const [role] = await tx.unsafe("select current_setting('session_replication_role') as role");
    assert.equal(role!.role, "origin", "the triggers are back on right after the INSERT");
    await checkDeltaReferences(tx, { key: DAY_1, sourceId: 2 });
  }
  return path;
}

Deno.test("the merge's set-based reference check fails on a missing dimension row; nothing changes", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, { ...SNAPSHOT, [DAY_1]: DAY_1_BODY });
    await succeeded(store, bucket, db, "full");
    const before = await stateFingerprint(db);
    await using sql = connectTo(db);
    // Rows the client would have refused had its view of the dimensions been right: anime 99 and
    // status 5 are defined by no dimension row, so only the set-based check stands in their way.
    await assert.rejects(
      sql.begin(async (tx) => {
        await tx.unsafe("set local search_path to public");
        assert.equal(await mergeRows(tx, [[7, 1, 2], [7, 99, 2], [8, 2, 5]]), "set-based");
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "QUALITY_FAILED");
        assert.match(error.message, /Cannot apply "animelist_updates\/2026-12-01.csv"/);
        assert.match(error.message, /anime_id 99 not in anime_master/);
        assert.match(error.message, /watching_status 5 not in anime_watching_status/);
        return true;
      },
    );
    assert.deepEqual(await stateFingerprint(db), before, "the failed merge left nothing behind");
    // Rows that do refer to defined dimension rows pass the same check.
    const rolledBack = new Error("rolled back by the test");
    await assert.rejects(
      sql.begin(async (tx) => {
        await tx.unsafe("set local search_path to public");
        assert.equal(await mergeRows(tx, [[7, 1, 2], [8, 2, 6]]), "set-based");
        const [count] = await tx.unsafe(
          "select count(*)::int as n from anime_list where user_id > 6",
        );
        assert.equal(count!.n, 2);
        throw rolledBack;
      }),
      (error) => error === rolledBack,
    );
  });
});

Deno.test("a role that may not set session_replication_role keeps the foreign keys' own checks", async () => {
  await withBucket(async (store, bucket, db) => {
    await uploadFiles(store, bucket, PREFIX, { ...SNAPSHOT, [DAY_1]: DAY_1_BODY });
    await succeeded(store, bucket, db, "full");
    const before = await stateFingerprint(db);
    await using sql = connectTo(db);
    const role = `merger_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await sql.unsafe(`create role ${role} nologin;
      grant usage on schema public to ${role};
      grant select, insert on public.anime_list to ${role};
      grant select, update on public.anime_master, public.anime_watching_status,
        public.anime_list_source to ${role}`);
    try {
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}; set local search_path to public`);
          assert.equal(await mergeRows(tx, [[7, 1, 2], [7, 99, 2]]), "per-row");
        }),
        (error: Error & { code?: string; constraint_name?: string }) => {
          assert.equal(error.code, "23503", error.message);
          assert.equal(error.constraint_name, "anime_list_anime_id_fkey");
          return true;
        },
      );
      assert.deepEqual(await stateFingerprint(db), before);
      // Granted the parameter (PostgreSQL 15+), the same role takes the set-based path (its FOR KEY
      // SHARE locks take UPDATE on the dimensions, which the pipeline's role has as their owner).
      await sql.unsafe(`grant set on parameter session_replication_role to ${role}`);
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}; set local search_path to public`);
          assert.equal(await mergeRows(tx, [[7, 1, 2], [7, 99, 2]]), "set-based");
        }),
        /anime_id 99 not in anime_master/,
      );
      assert.deepEqual(await stateFingerprint(db), before);
    } finally {
      await sql.unsafe(`drop owned by ${role}; drop role ${role}`);
    }
  });
});
