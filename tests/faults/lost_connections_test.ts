// Every PostgreSQL backend of a run terminated at each point of the run, from a real `deno task etl`
// subprocess and in-process: the run exits non-zero within 10 s, records the failure when it can,
// says so when it cannot, and leaves nothing open.
import assert from "node:assert/strict";
import type postgres from "postgres";
import type { DbSettings } from "../../lib/config/settings.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { temporaryDirectory } from "../helpers/disposables.ts";
import { isGetOf, startFaultProxy } from "../helpers/fault_proxy.ts";
import { type RunningScript, startScript } from "../helpers/project_script.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  testPostgres,
  type TestStore,
  uniqueBucket,
  writeConfig,
} from "../helpers/services.ts";
import { within } from "../helpers/observe.ts";
import { publishedFingerprint } from "../helpers/published.ts";
import { PREFIX, uploadDataset } from "../helpers/uploads.ts";

/** The bound: a run exits this many seconds after losing its connections. */
const EXIT_DEADLINE_SECONDS = 10;
/** Every connection of a run carries this application_name. */
const RUN_APPLICATION = "anime-etl";

interface World extends AsyncDisposable {
  store: TestStore;
  bucket: string;
  db: DbSettings;
  published: Record<string, string>;
  /** Working folder of the CLI runs. */
  cwd: string;
  /** A config file pointing straight at the store. */
  config: string;
}

/** A store holding a generated dataset and a database where one run has published it. */
async function setUp(label: string): Promise<World> {
  const store = await startTestStore();
  const cwd = await Deno.makeTempDir({ prefix: `${label}-` });
  try {
    const bucket = uniqueBucket(label);
    await store.createBucket(bucket);
    await uploadDataset(store, bucket, PREFIX, { animelistRows: 20_000, animeRows: 300, seed: 9 });
    const db = await freshDatabase(label);
    const first = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
    assert.equal(first.status, "succeeded", first.error?.message);
    return {
      store,
      bucket,
      db,
      cwd,
      config: await writeConfig(cwd, store.settings(bucket, PREFIX), db),
      published: await publishedFingerprint(db),
      async [Symbol.asyncDispose]() {
        await store.close();
        await Deno.remove(cwd, { recursive: true });
      },
    };
  } catch (error) {
    await store.close();
    await Deno.remove(cwd, { recursive: true });
    throw error;
  }
}

/** A proxy in front of the store that stalls animelist.csv mid-body until disposed. */
function stallAnimeList(world: World) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const proxy = startFaultProxy(world.store.endpoint, [{
    match: isGetOf("animelist.csv"),
    action: { kind: "stall", afterBytes: 50_000, until: gate },
  }]);
  return {
    proxy,
    s3: { ...world.store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint },
    async [Symbol.asyncDispose]() {
      release();
      await proxy.close();
    },
  };
}

/** An analyst's long query: it holds the published tables until its transaction ends. */
const ANALYST_QUERY = "select count(*) from public.anime_list";

/**
 * Runs `statement` in a transaction of the test's own and keeps the transaction open (and its
 * locks held) until released or disposed, which commits it; releasing twice is harmless.
 */
async function holdInTransaction(sql: postgres.Sql, statement: string) {
  let release = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  let held = () => {};
  const isHeld = new Promise<void>((resolve) => held = resolve);
  const transaction = sql.begin(async (tx) => {
    await tx.unsafe(statement);
    held();
    await released;
  });
  await Promise.race([isHeld, transaction]);
  const end = async () => {
    release();
    await transaction;
  };
  return { release: end, [Symbol.asyncDispose]: end };
}

/** Terminates every backend of the run (log pool, run lock, load transaction); returns their pids. */
async function terminateRunBackends(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ pid: number; terminated: boolean }[]>`
    select pid, pg_terminate_backend(pid) as terminated from pg_stat_activity
    where datname = current_database() and application_name = ${RUN_APPLICATION}`;
  assert.ok(rows.every((row) => row.terminated), "every backend terminated");
  return rows.map((row) => row.pid);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until one of the run's backends waits for a lock while running a statement like `like`. */
function runWaitsOnLock(sql: postgres.Sql, like: string, etl: RunningScript) {
  return waitFor(`the run to wait on a lock in ${like}`, async () => {
    if (etl.exited()) {
      const { code, stdout, stderr } = await etl.finished;
      throw new Error(`deno task etl exited with ${code} first:\n${stderr}${stdout}`);
    }
    const [row] = await sql`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${RUN_APPLICATION}
        and wait_event_type = 'Lock' and query like ${like}`;
    return row!.n > 0;
  });
}

async function runStatus(sql: postgres.Sql, runId: number) {
  const [run] = await sql`select status, error from etl.runs where run_id = ${runId}`;
  return { ...run };
}

/** The run id of the one run in progress. */
async function runningRun(sql: postgres.Sql): Promise<number> {
  let runId = 0;
  await waitFor("the run to start", async () => {
    const rows = await sql`select run_id from etl.runs where status = 'running'`;
    runId = rows.length === 1 ? Number(rows[0]!.run_id) : 0;
    return runId > 0;
  });
  return runId;
}

/**
 * Terminates the run's backends, then asserts the process exits non-zero within the deadline
 * and that its sessions are gone afterwards.
 */
async function terminateAndAwaitExit(sql: postgres.Sql, etl: RunningScript) {
  const pids = await terminateRunBackends(sql);
  assert.ok(pids.length >= 3, `log, lock and load sessions terminated: ${pids}`);
  const outcome = await within(
    EXIT_DEADLINE_SECONDS,
    "deno task etl after losing its connections",
    etl.finished,
  );
  assert.equal(outcome.code, 1, outcome.stderr + outcome.stdout);
  await waitFor("the run's sessions to end", async () => {
    const [row] = await sql`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${RUN_APPLICATION}`;
    return row!.n === 0;
  });
  return outcome;
}

/** Asserts a recorded, failed run with DB_UNREACHABLE, nothing published, and that the next run works. */
async function assertFailedCleanly(world: World, sql: postgres.Sql, runId: number, stdout: string) {
  const message = new RegExp(
    `^Cannot finish run ${runId}: lost the connection to PostgreSQL \\(.+\\)$`,
  );
  const run = await runStatus(sql, runId);
  assert.equal(run.status, "failed");
  assert.match(run.error, /^DB_UNREACHABLE: /);
  assert.match(run.error.slice("DB_UNREACHABLE: ".length), message);
  assert.match(stdout, new RegExp(`^run ${runId}: failed in [\\d.]+ s$`, "m"));
  assert.match(stdout, new RegExp(`^error DB_UNREACHABLE: Cannot finish run ${runId}: `, "m"));
  assert.deepEqual(await publishedFingerprint(world.db), world.published);
  const [stage] =
    await sql`select count(*)::int as n from pg_namespace where nspname = 'etl_stage'`;
  assert.equal(stage!.n, 0, "etl_stage left behind");
  const next = await runEtl(targetsFor(world.store.settings(world.bucket, PREFIX), world.db), {
    force: true,
  });
  assert.equal(next.status, "succeeded", next.error?.message);
}

function startEtl(world: World, config: string): RunningScript {
  return startScript("lib/cli/etl.ts", ["--config", config, "--force", "--quiet"], {
    cwd: world.cwd,
  });
}

Deno.test("every connection of a run terminated: deno task etl exits within 10 s", async (t) => {
  await using world = await setUp("lost");
  const { store, bucket, db } = world;
  await using sql = connectTo(db);

  await t.step("during the COPY of animelist.csv, with its S3 read stalled", async () => {
    await using stall = stallAnimeList(world);
    await using dir = await temporaryDirectory("lost-stalled-");
    const config = await writeConfig(dir.path, stall.s3, db, "[ETL]\nSTALL_TIMEOUT_SECONDS = 600");
    await using etl = startEtl(world, config);
    await stall.proxy.applies("stall");
    const runId = await runningRun(sql);
    const { stdout } = await terminateAndAwaitExit(sql, etl);
    await assertFailedCleanly(world, sql, runId, stdout);
  });

  await t.step("during the key build of the fact table", async () => {
    // An event trigger makes the primary key's ALTER TABLE wait for an advisory lock the test holds,
    // so the load backend is inside the key build when it is terminated.
    await sql.unsafe(`
      create function hold_key_build() returns event_trigger language plpgsql as $$
      begin
        if current_query() like '%anime_list_pkey primary key%' then
          perform pg_advisory_lock(4242, 1);
          perform pg_advisory_unlock(4242, 1);
        end if;
      end $$;
      create event trigger hold_key_build on ddl_command_start when tag in ('ALTER TABLE')
        execute function hold_key_build();`);
    let stdout: string;
    let runId: number;
    try {
      await using keyBuild = await holdInTransaction(sql, "select pg_advisory_xact_lock(4242, 1)");
      await using etl = startEtl(world, world.config);
      runId = await runningRun(sql);
      await runWaitsOnLock(sql, "%anime_list_pkey primary key%", etl);
      ({ stdout } = await terminateAndAwaitExit(sql, etl));
      await keyBuild.release();
    } finally {
      await sql.unsafe("drop event trigger hold_key_build");
      await sql.unsafe("drop function hold_key_build()");
    }
    await assertFailedCleanly(world, sql, runId, stdout);
  });

  await t.step("during the quality checks, while their results are stored", async () => {
    await using checksLock = await holdInTransaction(
      sql,
      "lock table etl.quality_checks in share mode",
    );
    await using etl = startEtl(world, world.config);
    const runId = await runningRun(sql);
    await runWaitsOnLock(sql, "%insert into etl.quality_checks%", etl);
    const { stdout } = await terminateAndAwaitExit(sql, etl);
    await checksLock.release();
    await assertFailedCleanly(world, sql, runId, stdout);
  });

  await t.step("during the publish, while an analyst's query holds the old tables", async () => {
    await using analyst = await holdInTransaction(sql, ANALYST_QUERY);
    await using etl = startEtl(world, world.config);
    const runId = await runningRun(sql);
    await runWaitsOnLock(sql, "%Takes the swap's ACCESS EXCLUSIVE locks%", etl);
    const { stdout } = await terminateAndAwaitExit(sql, etl);
    await analyst.release();
    await assertFailedCleanly(world, sql, runId, stdout);
  });

  await t.step(
    "during the final run-log update, with no way back in: unrecorded, said on stderr, abandoned next",
    async () => {
      // The analyst's query holds the publish back while the test locks the run's row; the run then
      // publishes and blocks on the final `update etl.runs`, where all its sessions are terminated
      // and the database refuses new connections, so the failure cannot be recorded.
      await using analyst = await holdInTransaction(sql, ANALYST_QUERY);
      await using etl = startEtl(world, world.config);
      const runId = await runningRun(sql);
      await using runRow = await holdInTransaction(
        sql,
        `select 1 from etl.runs where run_id = ${runId} for no key update`,
      );
      await runWaitsOnLock(sql, "%Takes the swap's ACCESS EXCLUSIVE locks%", etl);
      await analyst.release();
      await runWaitsOnLock(sql, "%update etl.runs set status%", etl);
      // Run from another database: a session cannot shut its own database's door.
      await using admin = connectTo(await testPostgres());
      await admin.unsafe(`alter database ${db.database} with allow_connections false`);
      let outcome;
      try {
        outcome = await terminateAndAwaitExit(sql, etl);
      } finally {
        await admin.unsafe(`alter database ${db.database} with allow_connections true`);
      }
      assert.match(
        outcome.stderr,
        new RegExp(
          `^etl:failed run ${runId} could not be recorded as failed \\(.+\\); ` +
            `the next run marks it abandoned$`,
          "m",
        ),
      );
      await runRow.release();
      assert.deepEqual(await runStatus(sql, runId), { status: "running", error: null });
      assert.deepEqual(await publishedFingerprint(world.db), world.published);
      const next = await runEtl(targetsFor(store.settings(bucket, PREFIX), db), { force: true });
      assert.equal(next.status, "succeeded", next.error?.message);
      assert.deepEqual(await runStatus(sql, runId), {
        status: "failed",
        error: `ABANDONED: the process ended without finishing; found by run ${next.runId}`,
      });
    },
  );
});

Deno.test(
  "runEtl in-process: a lost connection ends the run within 10 s with nothing left open",
  async (t) => {
    // Deno's sanitizers (on) check that the run left no timer, socket, stream or child behind.
    await using world = await setUp("lostin");
    await using sql = connectTo(world.db);
    const stalledRun = (stall: ReturnType<typeof stallAnimeList>) => {
      const targets = targetsFor(stall.s3, world.db);
      targets.limits.stallTimeoutSeconds = 600;
      return runEtl(targets, { force: true });
    };

    await t.step("every backend terminated while the S3 read is stalled", async () => {
      await using stall = stallAnimeList(world);
      const running = stalledRun(stall);
      await stall.proxy.applies("stall");
      const runId = await runningRun(sql);
      await terminateRunBackends(sql);
      const summary = await within(EXIT_DEADLINE_SECONDS, "runEtl", running);
      assert.equal(summary.runId, runId);
      assert.equal(summary.status, "failed");
      assert.equal(summary.error?.code, "DB_UNREACHABLE");
      assert.equal(summary.unrecorded, undefined);
      assert.deepEqual(await runStatus(sql, runId), {
        status: "failed",
        error: `DB_UNREACHABLE: ${summary.error!.message}`,
      });
    });

    await t.step(
      "only the run lock's session terminated: the run stops, it holds no lock",
      async () => {
        await using stall = stallAnimeList(world);
        const running = stalledRun(stall);
        await stall.proxy.applies("stall");
        const runId = await runningRun(sql);
        const killed = await sql`
        select pg_terminate_backend(pid) as terminated from pg_locks
        where locktype = 'advisory' and granted
          and database = (select oid from pg_database where datname = current_database())`;
        assert.deepEqual(killed.map((row) => row.terminated), [true]);
        const summary = await within(EXIT_DEADLINE_SECONDS, "runEtl", running);
        assert.equal(summary.status, "failed");
        assert.equal(
          summary.error?.message,
          `Cannot finish run ${runId}: lost the connection to PostgreSQL ` +
            `(the run lock session to ${world.db.host}:${world.db.port} was closed)`,
        );
        assert.deepEqual(await publishedFingerprint(world.db), world.published);
      },
    );
  },
);
