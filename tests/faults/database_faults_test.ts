// Database faults, injected for real: the load's backend terminated mid-run, the ETL process killed
// with SIGKILL, a PostgreSQL that never answers, and two runs at the same time.
import assert from "node:assert/strict";
import { spawnScript } from "../helpers/project_script.ts";
import type { DbSettings } from "../../lib/config/settings.ts";
import { PipelineError } from "../../lib/errors.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { isGetOf, startBlackhole, startFaultProxy } from "../helpers/fault_proxy.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
  writeConfig,
} from "../helpers/services.ts";
import { collectProgress, within } from "../helpers/observe.ts";
import { assertNothingPublished, publishedFingerprint } from "../helpers/published.ts";
import { PREFIX, uploadDataset } from "../helpers/uploads.ts";

interface World {
  store: TestStore;
  bucket: string;
  db: DbSettings;
  published: Record<string, string>;
}

async function setUp(store: TestStore): Promise<World> {
  const bucket = uniqueBucket("dbf");
  await store.createBucket(bucket);
  await uploadDataset(store, bucket, PREFIX, { animelistRows: 20_000, animeRows: 300, seed: 5 });
  const db = await freshDatabase("dbf");
  const first = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
  assert.equal(first.status, "succeeded", first.error?.message);
  return { store, bucket, db, published: await publishedFingerprint(db) };
}

/** A proxy that holds the animelist.csv response mid-body until `release` is called. */
function holdAnimeList(world: World) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const proxy = startFaultProxy(world.store.endpoint, [{
    match: isGetOf("animelist.csv"),
    action: { kind: "stall", afterBytes: 50_000, until: gate },
  }]);
  const s3 = { ...world.store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint };
  return { proxy, s3, release };
}

async function runningRuns(db: DbSettings): Promise<number[]> {
  const sql = connectTo(db);
  try {
    const rows = await sql`select run_id from etl.runs where status = 'running' order by run_id`;
    return rows.map((row) => Number(row.run_id));
  } finally {
    await sql.end();
  }
}

/** Runs `deno task etl` as a child process, as a scheduler would. */
function spawnEtl(args: string[], cwd: string): Deno.ChildProcess {
  return spawnScript("lib/cli/etl.ts", args, { cwd });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test(
  "database faults: the run fails cleanly and the next one succeeds",
  async (t) => {
    const store = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "db-faults-" });
    try {
      const world = await setUp(store);

      await t.step(
        "the load's connection terminated mid-run: failed run, published tables readable throughout",
        async () => {
          const { proxy, s3, release } = holdAnimeList(world);
          const sql = connectTo(world.db);
          try {
            const targets = targetsFor(s3, world.db);
            targets.limits.stallTimeoutSeconds = 60;
            const running = runEtl(targets, { force: true });
            await proxy.applies("stall");
            // The load transaction is the backend holding the staged tables' exclusive locks.
            const killed = await sql`
            select pid, pg_terminate_backend(pid) as terminated from (
              select distinct pid from pg_locks
              where locktype = 'relation' and mode = 'AccessExclusiveLock'
                and database = (select oid from pg_database where datname = current_database())
            ) as load`;
            assert.deepEqual(killed.map((row) => row.terminated), [true]);
            assert.deepEqual(await publishedFingerprint(world.db), world.published);
            release();
            const summary = await within(60, "the run", running);
            assert.equal(summary.status, "failed");
            assert.equal(summary.error?.code, "DB_UNREACHABLE");
            assert.match(
              summary.error!.message,
              new RegExp(
                `^Cannot finish run ${summary.runId}: lost the connection to PostgreSQL \\(.+\\)$`,
              ),
            );
            await assertNothingPublished(world.db, summary.runId, world.published, summary.error!);
          } finally {
            release();
            await sql.end();
            await proxy.close();
          }
          const next = await runEtl(targetsFor(store.settings(world.bucket, PREFIX), world.db), {
            force: true,
          });
          assert.equal(next.status, "succeeded", next.error?.message);
          assert.deepEqual(await publishedFingerprint(world.db), world.published);
        },
      );

      await t.step(
        "the ETL process killed with SIGKILL: the next run marks it failed and succeeds",
        async () => {
          const { proxy, s3, release } = holdAnimeList(world);
          const config = await writeConfig(cwd, s3, world.db, "[ETL]\nSTALL_TIMEOUT_SECONDS = 60");
          const child = spawnEtl(["--config", config, "--force"], cwd);
          let staleRun: number;
          try {
            await proxy.applies("stall");
            [staleRun] = await runningRuns(world.db) as [number];
            child.kill("SIGKILL");
            const status = await child.status;
            assert.equal(status.signal, "SIGKILL");
          } finally {
            release();
            await proxy.close();
            await child.stdout.cancel().catch(() => {});
            await child.stderr.cancel().catch(() => {});
          }
          assert.deepEqual(await runningRuns(world.db), [staleRun], "the dead run is left running");
          // PostgreSQL sees the dead process's sockets close and ends its sessions, which rolls back
          // the load transaction and releases the run lock.
          const sql = connectTo(world.db);
          try {
            await waitFor("the killed run's sessions to end", async () => {
              const [row] = await sql`
              select count(*)::int as n from pg_stat_activity
              where datname = current_database() and application_name = 'anime-etl'`;
              return row?.n === 0;
            });
            const { progress, lines } = collectProgress();
            const next = await runEtl(targetsFor(store.settings(world.bucket, PREFIX), world.db), {
              force: true,
              progress,
            });
            assert.equal(next.status, "succeeded", next.error?.message);
            assert.ok(
              lines.includes(`run:abandoned run ${staleRun} was left running; marked failed`),
            );
            const [stale] =
              await sql`select status, error from etl.runs where run_id = ${staleRun}`;
            assert.deepEqual({ ...stale }, {
              status: "failed",
              error: `ABANDONED: the process ended without finishing; found by run ${next.runId}`,
            });
            const [leftovers] = await sql`
            select
              (select count(*)::int from pg_namespace where nspname = 'etl_stage') as staging,
              (select count(*)::int from pg_locks where locktype = 'advisory'
                and database = (select oid from pg_database where datname = current_database()))
                as locks,
              (select count(*)::int from etl.runs where status = 'running') as running`;
            assert.deepEqual({ ...leftovers }, { staging: 0, locks: 0, running: 0 });
            assert.deepEqual(await publishedFingerprint(world.db), world.published);
          } finally {
            await sql.end();
          }
        },
      );

      await t.step(
        "PostgreSQL that accepts but never answers: clear error in bounded time, S3 untouched",
        async () => {
          const blackhole = startBlackhole();
          const s3Proxy = startFaultProxy(store.endpoint, []);
          try {
            const db = { ...world.db, port: blackhole.port };
            const s3 = { ...store.settings(world.bucket, PREFIX), endpoint: s3Proxy.endpoint };
            const started = performance.now();
            await assert.rejects(
              runEtl(targetsFor(s3, db), { connectTimeoutSeconds: 2 }),
              (error: unknown) => {
                assert.ok(error instanceof PipelineError);
                assert.equal(error.code, "DB_UNREACHABLE");
                assert.equal(
                  error.message,
                  `Cannot connect to PostgreSQL at 127.0.0.1:${blackhole.port} database "${db.database}" as "${db.user}": write CONNECT_TIMEOUT 127.0.0.1:${blackhole.port}`,
                );
                return true;
              },
            );
            assert.ok(performance.now() - started < 15_000, "bounded by the connect timeout");
            assert.equal(s3Proxy.requests.length, 0, "nothing listed or read");
          } finally {
            await s3Proxy.close();
            await blackhole.close();
          }
        },
      );

      await t.step(
        "two runs at once: the second is refused with RUN_LOCKED while the first loads",
        async () => {
          const { proxy, s3, release } = holdAnimeList(world);
          const sql = connectTo(world.db);
          try {
            const targets = targetsFor(s3, world.db);
            targets.limits.stallTimeoutSeconds = 60;
            const first = runEtl(targets, { force: true });
            await proxy.applies("stall");
            const [firstRun] = await runningRuns(world.db) as [number];
            const countRuns = async () =>
              (await sql<{ n: number }[]>`select count(*)::int as n from etl.runs`)[0]!.n;
            const runsBefore = await countRuns();
            // A second `deno task etl`, straight to the store, against the same database.
            const config = await writeConfig(cwd, store.settings(world.bucket, PREFIX), world.db);
            const second = await spawnEtl(["--config", config, "--force"], cwd).output();
            const stderr = new TextDecoder().decode(second.stderr);
            assert.equal(second.code, 1, stderr);
            assert.match(
              stderr,
              new RegExp(
                `^etl:failed RUN_LOCKED: Cannot start a run: another run is in progress \\(run ${firstRun}, ` +
                  `started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); try again when it has finished$`,
                "m",
              ),
            );
            // A third, in-process, is refused the same way.
            await assert.rejects(runEtl(targetsFor(s3, world.db), { force: true }), {
              code: "RUN_LOCKED",
            });
            assert.equal(await countRuns(), runsBefore, "refused runs record nothing");
            release();
            const summary = await within(60, "the first run", first);
            assert.equal(summary.status, "succeeded", summary.error?.message);
            assert.equal(summary.runId, firstRun);
            const overlapping = await sql`
            select b.run_id from etl.runs a join etl.runs b
              on b.run_id <> a.run_id and b.started_at < a.finished_at
              and coalesce(b.finished_at, 'infinity') > a.started_at
            where a.run_id = ${firstRun}`;
            assert.deepEqual([...overlapping], [], "no run overlapped the first one");
            assert.deepEqual(await publishedFingerprint(world.db), world.published);
          } finally {
            release();
            await sql.end();
            await proxy.close();
          }
        },
      );
    } finally {
      await store.close();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
