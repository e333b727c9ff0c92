// Readers and the publish, with real sessions on a real PostgreSQL: a long reader holding
// anime_list never makes other readers wait behind the swap (they keep answering within a second),
// the run fails with PUBLISH_BLOCKED naming it and publishes nothing; a short reader only delays the
// publish; PUBLISH_TERMINATE_AFTER_SECONDS ends a blocker; an incremental run is never held up by a
// reader, and is bounded the same way by a session holding a SHARE lock.
import assert from "node:assert/strict";
import type { DbSettings, EtlTargets } from "../../lib/config/settings.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { animeCsv, WATCHING_STATUS_CSV } from "../helpers/fixtures.ts";
import { collectProgress, within } from "../helpers/observe.ts";
import { assertNothingPublished, publishedFingerprint } from "../helpers/published.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "../helpers/services.ts";
import { gzip, PREFIX, uploadFiles } from "../helpers/uploads.ts";
import {
  holdTransaction,
  lockRequestWaits,
  LONG_READER,
  stillOpen,
  whileReading,
} from "../helpers/sessions.ts";

const HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";
const PAIRS = 2000;

interface World {
  store: TestStore;
  bucket: string;
  db: DbSettings;
}

// Version n of animelist.csv: the same pairs, every rating n, so each version publishes its own data.
function animeList(version: number): string {
  const lines = Array.from({ length: PAIRS }, (_, i) => `${i + 1},${1 + (i % 2)},${version},2,1`);
  return [HEADER, ...lines].join("\n") + "\n";
}

async function setUp(store: TestStore, label: string): Promise<World> {
  const bucket = uniqueBucket(label);
  await store.createBucket(bucket);
  await uploadFiles(store, bucket, PREFIX, {
    "watching_status.csv": WATCHING_STATUS_CSV,
    "anime.csv": animeCsv([1, 2]),
    "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,8.0,Action,One\n",
    "animelist.csv": animeList(1),
  });
  const db = await freshDatabase(label);
  const world = { store, bucket, db };
  const first = await runEtl(targets(world));
  assert.equal(first.status, "succeeded", first.error?.message);
  return world;
}

function targets(world: World, limits: Partial<EtlTargets["limits"]> = {}): EtlTargets {
  const base = targetsFor(world.store.settings(world.bucket, PREFIX), world.db);
  return { ...base, limits: { ...base.limits, ...limits } };
}

async function publishedRunId(db: DbSettings): Promise<number> {
  await using sql = connectTo(db);
  const [row] = await sql`
    select max(run_id)::int as run_id from etl.runs where status = 'succeeded'`;
  return row!.run_id;
}

Deno.test("a publish blocked by a long reader never stalls the other readers", async (t) => {
  await using store = await startTestStore();
  const world = await setUp(store, "pub");

  await t.step(
    "a reader longer than PUBLISH_WAIT_SECONDS: PUBLISH_BLOCKED names it, others stay fast, nothing published",
    async () => {
      const before = await publishedFingerprint(world.db);
      const beforeRun = await publishedRunId(world.db);
      await store.put(world.bucket, `${PREFIX}animelist.csv`, animeList(2));
      await using reader = await holdTransaction(
        world.db,
        "select count(*) from public.anime_list",
      );
      const { progress, lines } = collectProgress();
      const { value: summary, ...readers } = await whileReading(
        world.db,
        () =>
          within(
            120,
            "the blocked run",
            runEtl(targets(world, { publishWaitSeconds: 3 }), { progress }),
          ),
      );
      assert.ok(readers.queries > 0);
      assert.ok(
        readers.worstMs < 1000,
        `a reader waited ${readers.worstMs.toFixed(0)} ms behind the blocked publish`,
      );
      assert.equal(summary.status, "failed");
      assert.equal(summary.error?.code, "PUBLISH_BLOCKED", summary.error?.message);
      assert.match(
        summary.error!.message,
        new RegExp(
          `^Cannot publish run ${summary.runId}: the locks on the published tables were not ` +
            `free within PUBLISH_WAIT_SECONDS \\(3 s; \\d+ attempts in [\\d.]+ s\\): held by ` +
            `.*pid ${reader.pid} \\(user "postgres", application "${LONG_READER}", transaction ` +
            `open [\\d.]+ s\\).*; nothing was published$`,
        ),
      );
      assert.ok(
        lines.some((line) =>
          line.startsWith("publish:waiting ") && line.includes(`pid ${reader.pid} `)
        ),
        `no waiting line names the reader: ${lines.join("\n")}`,
      );
      assert.ok(await stillOpen(world.db, reader.pid), "the reader was not left alone");
      reader.release();
      assert.equal(await reader.ended, "committed");
      await assertNothingPublished(world.db, summary.runId, before, summary.error!);
      assert.equal(await publishedRunId(world.db), beforeRun);
    },
  );

  await t.step(
    "a stop request while the publish waits: INTERRUPTED, nothing published",
    async () => {
      const before = await publishedFingerprint(world.db);
      await using reader = await holdTransaction(
        world.db,
        "select count(*) from public.anime_list",
      );
      const stop = new AbortController();
      const running = runEtl(targets(world, { publishWaitSeconds: 60 }), { signal: stop.signal });
      await lockRequestWaits(world.db, running);
      stop.abort("stopped by SIGTERM");
      const summary = await within(30, "the stopped run", running);
      assert.equal(summary.status, "failed");
      assert.equal(summary.error?.code, "INTERRUPTED", summary.error?.message);
      assert.ok(await stillOpen(world.db, reader.pid), "the reader was not left alone");
      await assertNothingPublished(world.db, summary.runId, before, summary.error!);
    },
  );

  await t.step("a reader that ends during the wait: the publish lands after it", async () => {
    const before = await publishedFingerprint(world.db);
    await using reader = await holdTransaction(world.db, "select count(*) from public.anime_list");
    const { progress, lines } = collectProgress();
    const running = runEtl(targets(world, { publishWaitSeconds: 60 }), { progress });
    await lockRequestWaits(world.db, running);
    // The reader ends a moment after the publish started waiting for it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    reader.release();
    assert.equal(await reader.ended, "committed");
    const summary = await within(120, "the run", running);
    assert.equal(summary.status, "succeeded", summary.error?.message);
    assert.ok(
      lines.some((line) => /^publish:took the locks at attempt \d+$/.test(line)),
      `the publish did not retry: ${lines.join("\n")}`,
    );
    const after = await publishedFingerprint(world.db);
    assert.notDeepEqual(after.anime_list, before.anime_list, "the new list was not published");
    await using sql = connectTo(world.db);
    const [list] = await sql`select min(rating)::int as low, max(rating)::int as high
      from public.anime_list`;
    assert.deepEqual({ ...list }, { low: 2, high: 2 });
  });

  await t.step(
    "PUBLISH_TERMINATE_AFTER_SECONDS: the blocker is terminated, logged, and the publish lands",
    async () => {
      await store.put(world.bucket, `${PREFIX}animelist.csv`, animeList(3));
      await using reader = await holdTransaction(
        world.db,
        "select count(*) from public.anime_list",
      );
      const { progress, lines } = collectProgress();
      const summary = await within(
        120,
        "the run",
        runEtl(
          targets(world, { publishWaitSeconds: 60, publishTerminateAfterSeconds: 1 }),
          { progress },
        ),
      );
      assert.equal(summary.status, "succeeded", summary.error?.message);
      const ended = await reader.ended;
      assert.ok(ended instanceof Error, "the blocker's transaction was not ended");
      assert.ok(
        lines.some((line) =>
          new RegExp(
            `^publish:terminated pid ${reader.pid} \\(user "postgres", application ` +
              `"${LONG_READER}", transaction open [\\d.]+ s\\): it held the locks for [\\d.]+ s$`,
          ).test(line)
        ),
        `no line names the terminated reader: ${lines.join("\n")}`,
      );
      await using sql = connectTo(world.db);
      const [list] = await sql`select min(rating)::int as low, max(rating)::int as high
        from public.anime_list`;
      assert.deepEqual({ ...list }, { low: 3, high: 3 });
    },
  );
});

Deno.test("an incremental run never waits for readers, and is bounded by SHARE locks", async (t) => {
  await using store = await startTestStore();
  const world = await setUp(store, "pubd");
  const delta = async (day: string, rating: number) => {
    const lines = Array.from({ length: 300 }, (_, i) => `${i + 1},1,${rating},1,3`);
    await store.put(
      world.bucket,
      `${PREFIX}animelist_updates/${day}.csv.gz`,
      await gzip([HEADER, ...lines].join("\n") + "\n"),
    );
  };

  await t.step("a reader holding anime_list open does not hold up the merge", async () => {
    await delta("2026-12-02", 9);
    await using reader = await holdTransaction(world.db, "select count(*) from public.anime_list");
    const { value: summary, ...readers } = await whileReading(
      world.db,
      () => within(120, "the incremental run", runEtl(targets(world, { publishWaitSeconds: 3 }))),
    );
    assert.equal(summary.status, "succeeded", summary.error?.message);
    assert.equal(summary.kind, "incremental");
    assert.ok(readers.worstMs < 1000, `a reader waited ${readers.worstMs.toFixed(0)} ms`);
    assert.ok(await stillOpen(world.db, reader.pid), "the reader was not left alone");
  });

  await t.step(
    "a session holding a SHARE lock: PUBLISH_BLOCKED names it, readers stay fast, nothing applied",
    async () => {
      await delta("2026-12-03", 10);
      const before = await publishedFingerprint(world.db);
      await using holder = await holdTransaction(
        world.db,
        "lock table public.anime_list in share mode",
        "owner-maintenance",
      );
      const { value: summary, ...readers } = await whileReading(
        world.db,
        () =>
          within(
            120,
            "the blocked incremental run",
            runEtl(targets(world, { publishWaitSeconds: 3 })),
          ),
      );
      assert.ok(readers.worstMs < 1000, `a reader waited ${readers.worstMs.toFixed(0)} ms`);
      assert.equal(summary.status, "failed");
      assert.equal(summary.kind, "incremental");
      assert.equal(summary.error?.code, "PUBLISH_BLOCKED", summary.error?.message);
      assert.match(
        summary.error!.message,
        new RegExp(
          `^Cannot apply the deltas of run ${summary.runId}: .*held by pid ${holder.pid} ` +
            `\\(user "postgres", application "owner-maintenance", transaction open [\\d.]+ s\\); ` +
            `nothing was published$`,
        ),
      );
      holder.release();
      assert.equal(await holder.ended, "committed");
      assert.deepEqual(await publishedFingerprint(world.db), before);
      const next = await within(120, "the next run", runEtl(targets(world)));
      assert.equal(next.status, "succeeded", next.error?.message);
      assert.equal(next.kind, "incremental");
    },
  );
});
