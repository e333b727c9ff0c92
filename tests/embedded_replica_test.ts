// Tests for the embedded server's hot standby (`deno task replica:start` / `replica:stop`): made
// from a base backup of a primary with wal_level=replica, it streams, lets grant-analyst's roles in
// read-only, shows a publish of the primary all at once, and cancels a long reader that would hold
// up the replay of a swap after max_standby_streaming_delay instead of stalling everyone.
import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import type { DbSettings } from "../lib/config/settings.ts";
import { createClient } from "../lib/db/create_client.ts";
import { startEmbeddedPostgres, stopEmbeddedPostgres } from "../lib/embedded/embedded_postgres.ts";
import { startEmbeddedReplica, stopEmbeddedReplica } from "../lib/embedded/embedded_replica.ts";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { runEtl } from "../lib/run_etl.ts";
import { grantAnalyst } from "../lib/security/grant_analyst.ts";
import { portFromEnv } from "./helpers/ports.ts";
import { runScript } from "./helpers/project_script.ts";
import { startTestStore, targetsFor, type TestStore, uniqueBucket } from "./helpers/services.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PRIMARY_PORT = portFromEnv("TEST_REPLICA_PRIMARY_PORT");
const STANDBY_PORT = portFromEnv("TEST_REPLICA_PORT");
const ANALYST = "pw_standby_analyst";
const PASSWORD = `standby-Pa55 ${crypto.randomUUID().slice(0, 8)}`;
// The published tables a reader locks first, in the publish's order (docs/serving.md).
const LOCK = "lock table anime_list, anime_list_source, anime_master in access share mode";

function connectAs(db: DbSettings, user: string, password: string, port: number) {
  return postgres({
    host: "127.0.0.1",
    port,
    database: db.database,
    username: user,
    password,
    max: 1,
    connect_timeout: 30,
    onnotice: () => {},
  });
}

/** Uploads a generated snapshot of `rows` list rows to the bucket, replacing the previous one. */
async function uploadSnapshot(store: TestStore, bucket: string, rows: number) {
  const dir = await Deno.makeTempDir({ prefix: "standby-data-" });
  try {
    const dataset = await generateDataset(dir, {
      animelistRows: rows,
      format: "modified",
      seed: rows,
    });
    for (const file of dataset.files) {
      await store.put(bucket, `data/${file.name}`, await Deno.readFile(file.path));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface Totals {
  list: number;
  sources: number;
  anime: number;
}

const TOTALS = `select (select count(*)::int from anime_list) as list,
  (select count(*)::int from anime_list_source) as sources,
  (select count(*)::int from anime_master) as anime`;

async function waitFor(what: string, check: () => Promise<boolean>, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test("a hot standby of the embedded server serves analysts and replays publishes atomically", async (t) => {
  const rootDir = join(ROOT, ".data", `standby-${crypto.randomUUID().slice(0, 8)}`);
  await using store = await startTestStore();
  const bucket = uniqueBucket("standby");
  await store.createBucket(bucket);
  const primary = {
    ...(await startEmbeddedPostgres({ rootDir, port: PRIMARY_PORT, replicas: 1 })),
  };
  try {
    await uploadSnapshot(store, bucket, 3_000);
    const targets = targetsFor(store.settings(bucket, "data/"), primary, 0.5);
    assert.equal((await runEtl(targets)).status, "succeeded");
    await grantAnalyst(primary, { role: ANALYST, password: PASSWORD });
    const standby = await startEmbeddedReplica({
      rootDir,
      primaryPort: PRIMARY_PORT,
      port: STANDBY_PORT,
      log: () => {},
    });
    const admin = createClient(primary, { applicationName: "anime-test" });
    const readers: postgres.Sql[] = [];
    try {
      await t.step("streams from the primary through its slot", async () => {
        assert.equal(standby.created, true);
        await waitFor("the standby to stream", async () => {
          const rows = await admin`
            select state from pg_stat_replication where application_name = 'anime_replica'`;
          return rows[0]?.state === "streaming";
        });
        const [slot] = await admin`
          select active from pg_replication_slots where slot_name = 'anime_replica'`;
        assert.equal(slot?.active, true);
      });

      await t.step(
        "grant-analyst's role logs in on the standby, reads, writes nothing",
        async () => {
          const wrong = connectAs(primary, ANALYST, "wrong", STANDBY_PORT);
          await assert.rejects(() => wrong`select 1`, /password authentication failed/);
          await wrong.end();
          const analyst = connectAs(primary, ANALYST, PASSWORD, STANDBY_PORT);
          try {
            const [state] =
              await analyst`select pg_is_in_recovery() as standby, current_user as role`;
            assert.deepEqual({ ...state }, { standby: true, role: ANALYST });
            const [onStandby] = await analyst.unsafe(TOTALS);
            const [onPrimary] = await admin.unsafe(TOTALS);
            assert.deepEqual({ ...onStandby }, { ...onPrimary });
            const refused = await analyst.unsafe("delete from anime_genre").then(
              () => "ok",
              (error) => error.code,
            );
            assert.equal(refused, "25006");
            await assert.rejects(() => analyst`select * from etl.runs`, /permission denied/);
          } finally {
            await analyst.end();
          }
        },
      );

      await t.step(
        "a publish appears on the standby all at once, readers never see a mix",
        async () => {
          const [before] = await admin.unsafe<Totals[]>(TOTALS);
          await uploadSnapshot(store, bucket, 4_000);
          const seen: Totals[] = [];
          const errors: string[] = [];
          let worstMs = 0;
          let publishing = true;
          const loop = async () => {
            const reader = connectAs(primary, ANALYST, PASSWORD, STANDBY_PORT);
            readers.push(reader);
            while (publishing) {
              const started = performance.now();
              try {
                const totals = await reader.begin("isolation level repeatable read", async (tx) => {
                  // Lock first: the snapshot is taken by the first query, after the swap it waited for.
                  await tx.unsafe(LOCK);
                  const [totals] = await tx.unsafe<Totals[]>(TOTALS);
                  return { ...totals! };
                });
                seen.push(totals);
              } catch (error) {
                errors.push(String((error as { code?: string }).code ?? error));
              }
              worstMs = Math.max(worstMs, performance.now() - started);
            }
          };
          const loops = Array.from({ length: 4 }, loop);
          const run = await runEtl(targets, { force: true });
          assert.equal(run.status, "succeeded", run.error?.message);
          const [after] = await admin.unsafe<Totals[]>(TOTALS);
          assert.notDeepEqual({ ...after }, { ...before });
          const watcher = connectAs(primary, ANALYST, PASSWORD, STANDBY_PORT);
          readers.push(watcher);
          await waitFor("the standby to replay the publish", async () => {
            const [now] = await watcher.unsafe<Totals[]>(TOTALS);
            return now!.list === after!.list;
          });
          // A little longer, so the readers also run on the new data.
          await new Promise((resolve) => setTimeout(resolve, 300));
          publishing = false;
          await Promise.all(loops);
          const allowed = [JSON.stringify({ ...before }), JSON.stringify({ ...after })];
          const mixed = seen.filter((totals) => !allowed.includes(JSON.stringify(totals)));
          assert.deepEqual(mixed, [], "every reader saw the old or the new data set");
          assert.ok(seen.some((totals) => JSON.stringify(totals) === allowed[1]));
          assert.deepEqual(errors, [], "no short reader failed");
          console.log(
            `standby:readers ${seen.length} transactions during the publish's replay, worst ` +
              `${worstMs.toFixed(0)} ms`,
          );
        },
      );

      await t.step(
        "a long reader that holds up the swap's replay is cancelled after max_standby_streaming_delay",
        async () => {
          const long = connectAs(primary, ANALYST, PASSWORD, STANDBY_PORT);
          readers.push(long);
          let holding!: () => void;
          const held = new Promise<void>((resolve) => holding = resolve);
          const outcome = long.begin("isolation level repeatable read", async (tx) => {
            await tx.unsafe(LOCK);
            await tx.unsafe(TOTALS);
            holding();
            // Longer than the delay (1 s) and shorter than the analysts' statement_timeout.
            await tx`select pg_sleep(20)`;
          }).then(() => "finished", (error) => String(error.code ?? error));
          await held;
          await uploadSnapshot(store, bucket, 3_500);
          const started = performance.now();
          const run = await runEtl(targets, { force: true });
          assert.equal(run.status, "succeeded", run.error?.message);
          const [after] = await admin.unsafe<Totals[]>(TOTALS);
          const watcher = connectAs(primary, ANALYST, PASSWORD, STANDBY_PORT);
          readers.push(watcher);
          await waitFor("the standby to replay the publish", async () => {
            const [now] = await watcher.unsafe<Totals[]>(TOTALS);
            return now!.list === after!.list;
          });
          const replayedMs = performance.now() - started;
          // 40001: "canceling statement due to conflict with recovery" (a lock the replay needs).
          assert.equal(await outcome, "40001");
          assert.ok(
            replayedMs < 20_000,
            `replayed in ${replayedMs.toFixed(0)} ms, before the sleep`,
          );
        },
      );
    } finally {
      await Promise.all(readers.map((reader) => reader.end({ timeout: 1 })));
      await admin.end();
    }
  } finally {
    await stopEmbeddedReplica({ rootDir, primaryPort: PRIMARY_PORT, remove: true, log: () => {} })
      .catch(() => {});
    await stopEmbeddedPostgres({ rootDir, port: PRIMARY_PORT });
    await Deno.remove(rootDir, { recursive: true });
  }
});

Deno.test("deno task replica:start refuses a primary running with wal_level=minimal, saying how to switch", async () => {
  const cwd = await Deno.makeTempDir({ dir: join(ROOT, ".data"), prefix: "standby-cli-" });
  // Searchable by the server's account, which runs the embedded server when we are root.
  await Deno.chmod(cwd, 0o755);
  const port = portFromEnv("TEST_REPLICA_PRIMARY_PORT") + 2;
  const env = { ETL_EMBEDDED_PORT: String(port) };
  try {
    await startEmbeddedPostgres({ rootDir: join(cwd, ".data"), port, replicas: 0 });
    const result = await runScript("lib/cli/replica.ts", ["start"], { cwd, env });
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      /^replica:failed EMBEDDED_POSTGRES: Cannot start a standby of the embedded server on port \d+: it runs with wal_level=minimal, .*deno task db:stop.*ETL_EMBEDDED_REPLICAS=1/m,
    );
    const stopped = await runScript("lib/cli/replica.ts", ["stop"], { cwd, env });
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /^replica:not-running no standby was running$/m);
  } finally {
    await stopEmbeddedPostgres({ rootDir: join(cwd, ".data"), port });
    await Deno.remove(cwd, { recursive: true });
  }
});
