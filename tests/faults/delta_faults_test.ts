// Faults during a daily delta, with real PostgreSQL, s3rver and a fault proxy: a cut S3 connection
// resumes, a run stopped or disconnected mid-delta leaves nothing of it visible and the next run
// applies it exactly once, and two runs at once apply it once.
import assert from "node:assert/strict";
import type { DbSettings } from "../../lib/config/settings.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { isGetOf, startFaultProxy } from "../helpers/fault_proxy.ts";
import { animeCsv, WATCHING_STATUS_CSV } from "../helpers/fixtures.ts";
import { within } from "../helpers/observe.ts";
import { publishedFingerprint } from "../helpers/published.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "../helpers/services.ts";
import { gzip, PREFIX, uploadFiles } from "../helpers/uploads.ts";

const HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";
const DAY = "animelist_updates/2026-12-02.csv.gz";
const ROWS = 3000;

interface World {
  store: TestStore;
  bucket: string;
  db: DbSettings;
  /** The published tables before the delta. */
  before: Record<string, string>;
}

// A published snapshot of 200 pairs, then a new gzip delta waiting in the bucket: it updates those
// 200 and adds ROWS - 200.
async function setUp(label: string): Promise<World & AsyncDisposable> {
  const store = await startTestStore();
  const bucket = uniqueBucket(label);
  await store.createBucket(bucket);
  const list = [HEADER, ...Array.from({ length: 200 }, (_, i) => `${i + 1},1,5,2,1`)];
  await uploadFiles(store, bucket, PREFIX, {
    "watching_status.csv": WATCHING_STATUS_CSV,
    "anime.csv": animeCsv([1, 2]),
    "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,8.0,Action,One\n",
    "animelist.csv": list.join("\n") + "\n",
  });
  const db = await freshDatabase(label);
  const first = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
  assert.equal(first.status, "succeeded", first.error?.message);
  const before = await publishedFingerprint(db);
  const delta = [
    HEADER,
    ...Array.from({ length: ROWS }, (_, i) => `${i + 1},${i < 200 ? 1 : 2},7,1,3`),
  ];
  await store.put(bucket, PREFIX + DAY, await gzip(delta.join("\n") + "\n"));
  return { store, bucket, db, before, [Symbol.asyncDispose]: () => store.close() };
}

// The delta's GET stalls after its first bytes until released.
function stallDelta(world: World) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const proxy = startFaultProxy(world.store.endpoint, [{
    match: isGetOf("2026-12-02.csv.gz"),
    action: { kind: "stall", afterBytes: 600, until: gate },
  }]);
  return {
    proxy,
    release: () => release(),
    s3: { ...world.store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint },
    async [Symbol.asyncDispose]() {
      release();
      await proxy.close();
    },
  };
}

// The next run, without faults, must apply the delta exactly once.
async function assertAppliedOnce(world: World): Promise<void> {
  const next = await runEtl(targetsFor(world.store.settings(world.bucket, PREFIX), world.db));
  assert.equal(next.status, "succeeded", next.error?.message);
  assert.equal(next.kind, "incremental", next.reason);
  const delta = next.files.find((file) => file.file === DAY)!.delta!;
  assert.equal(delta.inserted, ROWS - 200);
  assert.equal(delta.updated, 200);
  await using sql = connectTo(world.db);
  const [counts] = await sql`
    select count(*)::int as rows, count(*) filter (where source_id = 2)::int as from_delta,
      (select count(*)::int from public.anime_list_source) as sources
    from public.anime_list`;
  assert.deepEqual({ ...counts }, { rows: ROWS, from_delta: ROWS, sources: 2 });
  const again = await runEtl(targetsFor(world.store.settings(world.bucket, PREFIX), world.db));
  assert.equal(again.status, "skipped");
}

Deno.test("a cut S3 connection during a delta resumes by Range and applies every line once", async () => {
  await using world = await setUp("dcut");
  await using proxy = startFaultProxy(world.store.endpoint, [
    { match: isGetOf("2026-12-02.csv.gz"), times: 2, action: { kind: "cut", afterBytes: 900 } },
  ]);
  const s3 = { ...world.store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint };
  const summary = await runEtl(targetsFor(s3, world.db), { retry: { baseDelayMs: 10 } });
  assert.equal(summary.status, "succeeded", summary.error?.message);
  assert.equal(summary.kind, "incremental");
  assert.equal(proxy.requests.filter(isGetOf("2026-12-02.csv.gz")).length, 3);
  const delta = summary.files.find((file) => file.file === DAY)!;
  assert.equal(delta.rowsRead, ROWS);
  assert.deepEqual(
    { inserted: delta.delta!.inserted, updated: delta.delta!.updated },
    { inserted: ROWS - 200, updated: 200 },
  );
});

Deno.test("a run stopped mid-delta publishes nothing of it; the next run applies it once", async () => {
  await using world = await setUp("dstop");
  await using stall = stallDelta(world);
  const stop = new AbortController();
  const running = runEtl(targetsFor(stall.s3, world.db), { signal: stop.signal });
  await stall.proxy.applies("stall");
  stop.abort(new Error("stopped by SIGTERM"));
  const summary = await within(10, "runEtl", running);
  assert.equal(summary.status, "failed");
  assert.equal(summary.error?.code, "INTERRUPTED");
  assert.deepEqual(await publishedFingerprint(world.db), world.before);
  await assertAppliedOnce(world);
});

Deno.test("a run disconnected mid-delta publishes nothing of it; the next run applies it once", async () => {
  await using world = await setUp("dlost");
  await using stall = stallDelta(world);
  const running = runEtl(targetsFor(stall.s3, world.db));
  await stall.proxy.applies("stall");
  {
    await using sql = connectTo(world.db);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid()`;
  }
  const summary = await within(10, "runEtl", running);
  assert.equal(summary.status, "failed");
  assert.equal(summary.error?.code, "DB_UNREACHABLE");
  assert.deepEqual(await publishedFingerprint(world.db), world.before);
  await assertAppliedOnce(world);
});

Deno.test("two runs at once: one applies the delta, the other is refused, nothing twice", async () => {
  await using world = await setUp("dtwo");
  await using stall = stallDelta(world);
  const first = runEtl(targetsFor(stall.s3, world.db));
  await stall.proxy.applies("stall");
  const second = await runEtl(targetsFor(world.store.settings(world.bucket, PREFIX), world.db))
    .then(() => assert.fail("the second run started"), (error) => error);
  assert.equal(second.code, "RUN_LOCKED");
  stall.release();
  const summary = await within(30, "runEtl", first);
  assert.equal(summary.status, "succeeded", summary.error?.message);
  assert.equal(summary.kind, "incremental");
  const again = await runEtl(targetsFor(world.store.settings(world.bucket, PREFIX), world.db));
  assert.equal(again.status, "skipped");
  await using sql = connectTo(world.db);
  const [counts] = await sql`select count(*)::int as rows from public.anime_list`;
  assert.equal(counts!.rows, ROWS);
});
