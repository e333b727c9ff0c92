// Tests of stop requests: the rule (signals that arrive together are one request), and `deno task
// etl` and `deno task schedule` signalled as systemd, Ctrl-C and `timeout` do: the whole process
// group, through `deno task`, so the program gets each signal twice.
import assert from "node:assert/strict";
import type { DbSettings } from "../lib/config/settings.ts";
import { runEtl } from "../lib/run_etl.ts";
import { createStopRequests } from "../lib/runtime/stop_requests.ts";
import { isGetOf, startFaultProxy } from "./helpers/fault_proxy.ts";
import { readRuns } from "./helpers/run_log.ts";
import { spawnTaskGroup, stopGroup } from "./helpers/task_group.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import { publishedFingerprint } from "./helpers/published.ts";
import { PREFIX, uploadDataset } from "./helpers/uploads.ts";

Deno.test("createStopRequests: one request however many signals carry it; a later one leaves", async (t) => {
  await t.step("a signal repeated within a second is the same request", () => {
    let now = 1_000;
    const stops: string[] = [];
    const leaves: string[] = [];
    using requests = createStopRequests({
      listen: false,
      now: () => now,
      onStop: (signal) => stops.push(signal),
      onLeave: (why) => leaves.push(why),
    });
    assert.equal(requests.signal, undefined);
    requests.request("SIGTERM");
    now += 3; // deno task forwards the same signal a few milliseconds later
    requests.request("SIGTERM");
    now += 900;
    requests.request("SIGINT");
    assert.deepEqual([requests.stop.aborted, requests.leave.aborted], [true, false]);
    assert.equal(requests.stop.reason, "stopped by SIGTERM");
    assert.deepEqual(stops, ["SIGTERM"]);
    now += 200; // 1.1 s after the first: a second request
    requests.request("SIGINT");
    assert.equal(requests.leave.aborted, true);
    assert.deepEqual(leaves, ["a second stop request (SIGINT)"]);
    assert.equal(requests.exitCode(), 143);
  });
  await t.step("Ctrl-C exits 130", () => {
    using requests = createStopRequests({ listen: false });
    requests.request("SIGINT");
    assert.equal(requests.exitCode(), 130);
  });
  await t.step("the grace period leaves without a second request", async () => {
    const leaves: string[] = [];
    using requests = createStopRequests({
      listen: false,
      graceSeconds: 0.05,
      onLeave: (why) => leaves.push(why),
    });
    requests.request("SIGTERM");
    assert.equal(requests.leave.aborted, false);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(requests.leave.aborted, true);
    assert.deepEqual(leaves, ["the end of the 0.05 s grace period"]);
    assert.equal(requests.leave.reason, "stopped by the end of the 0.05 s grace period");
  });
  await t.step("a real signal to this process is one request", async () => {
    using requests = createStopRequests({ signals: ["SIGUSR2"] });
    Deno.kill(Deno.pid, "SIGUSR2");
    Deno.kill(Deno.pid, "SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual([requests.stop.aborted, requests.leave.aborted], [true, false]);
  });
});

// ---------------------------------------------------------------------------------------------
// The commands, signalled through their process group (tests/helpers/task_group.ts).

interface World {
  store: TestStore;
  bucket: string;
  db: DbSettings;
  cwd: string;
  published: Record<string, string>;
}

/** A database with one published run, and a store whose animelist.csv read stalls until released. */
async function setUp(store: TestStore, label: string): Promise<World> {
  const bucket = uniqueBucket(label);
  await store.createBucket(bucket);
  await uploadDataset(store, bucket, PREFIX, { animelistRows: 20_000, animeRows: 300, seed: 3 });
  const db = await freshDatabase(label);
  const first = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
  assert.equal(first.status, "succeeded", first.error?.message);
  const cwd = await Deno.makeTempDir({ prefix: `${label}-` });
  return { store, bucket, db, cwd, published: await publishedFingerprint(db) };
}

function stalledConfig(world: World, extra = "") {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const proxy = startFaultProxy(world.store.endpoint, [{
    match: isGetOf("animelist.csv"),
    action: { kind: "stall", afterBytes: 50_000, until: gate },
  }]);
  const s3 = { ...world.store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint };
  return {
    proxy,
    release,
    config: writeConfig(world.cwd, s3, world.db, `\n[ETL]\nSTALL_TIMEOUT_SECONDS = 120\n${extra}`),
  };
}

async function stagingLeft(db: DbSettings): Promise<boolean> {
  const sql = connectTo(db);
  try {
    const [row] =
      await sql`select count(*)::int as n from pg_namespace where nspname = 'etl_stage'`;
    return row!.n > 0;
  } finally {
    await sql.end();
  }
}

Deno.test(
  "deno task etl: Ctrl-C to the process group rolls the run back, records INTERRUPTED, exits 130",
  async () => {
    const store = await startTestStore();
    try {
      const world = await setUp(store, "stopetl");
      const { proxy, release, config } = stalledConfig(world);
      const group = spawnTaskGroup("etl", ["--config", await config, "--force"], world.cwd);
      try {
        await proxy.applies("stall");
        group.signal("SIGINT");
        const started = performance.now();
        const status = await group.process.status;
        const seconds = (performance.now() - started) / 1000;
        assert.equal(status.code, 130, [...group.stdout, ...group.stderr].join("\n"));
        assert.ok(seconds < 10, `exited ${seconds.toFixed(1)} s after the signal`);
        assert.equal(
          group.stderr.filter((line) => line.startsWith("etl:stopping")).length,
          1,
          "two signals, one request",
        );
        assert.match(group.stderr.join("\n"), /^etl:stopping on SIGINT; rolling back the run/m);
        const runs = await readRuns(world.db);
        assert.deepEqual(runs.map((run) => [run.run_id, run.status]), [[1, "succeeded"], [
          2,
          "failed",
        ]]);
        assert.equal(
          runs[1]!.error,
          "INTERRUPTED: Cannot finish run 2: stopped by SIGINT; the run was rolled back and nothing was published",
        );
        assert.deepEqual(await publishedFingerprint(world.db), world.published);
        assert.equal(await stagingLeft(world.db), false);
      } finally {
        release();
        await stopGroup(group);
        await proxy.close();
        await Deno.remove(world.cwd, { recursive: true });
      }
    } finally {
      await store.close();
    }
  },
);

Deno.test(
  "deno task schedule: one stop request to the group waits for the run; a second one later interrupts it",
  async (t) => {
    const store = await startTestStore();
    try {
      const world = await setUp(store, "stopsch");
      const out = `${world.cwd}/dashboard`;
      // A catch-up owed (the last run two days ago) and sources that look changed, so that the
      // run loads and stalls in animelist.csv; then one SIGTERM to the whole group.
      const stopDuringRun = async () => {
        const sql = connectTo(world.db);
        try {
          await sql`update etl.runs set started_at = now() - interval '2 days',
                    finished_at = now() - interval '2 days'`;
          await sql`update etl.run_files set etag = 'changed'`;
        } finally {
          await sql.end();
        }
        const stalled = stalledConfig(world, "\n[SCHEDULE]\nRETRY_ATTEMPTS = 0\n");
        const group = spawnTaskGroup(
          "schedule",
          ["--config", await stalled.config, "--out", out],
          world.cwd,
        );
        await group.waitFor("stdout", /^schedule:trigger catch-up for /);
        await stalled.proxy.applies("stall");
        group.signal("SIGTERM");
        await group.waitFor("stdout", /^schedule:stopping on SIGTERM; waiting for the run/);
        return { ...stalled, group };
      };
      await t.step("SIGTERM to the group: the run in progress finishes, then exit 0", async () => {
        const { proxy, release, group } = await stopDuringRun();
        try {
          // Still running, with one request counted, a moment later.
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          assert.equal(
            group.stdout.filter((line) => line.startsWith("schedule:stopping")).length,
            1,
          );
          assert.ok(!group.stdout.some((line) => line.startsWith("schedule:leaving")));
          release();
          const status = await group.process.status;
          assert.equal(status.code, 0, [...group.stdout, ...group.stderr].join("\n"));
          assert.match(group.stdout.join("\n"), /^schedule:run run 2 (succeeded|skipped) /m);
          assert.equal(group.stdout.at(-1), "schedule:stopped");
          assert.deepEqual((await readRuns(world.db)).at(-1)?.status, "succeeded");
        } finally {
          release();
          await stopGroup(group);
          await proxy.close();
        }
      });
      await t.step("a second SIGTERM two seconds later: INTERRUPTED, exit 143", async () => {
        const { proxy, release, group } = await stopDuringRun();
        try {
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          group.signal("SIGTERM");
          const started = performance.now();
          const status = await group.process.status;
          assert.ok((performance.now() - started) / 1000 < 10);
          assert.equal(status.code, 143, [...group.stdout, ...group.stderr].join("\n"));
          assert.match(
            group.stdout.join("\n"),
            /^schedule:leaving on a second stop request \(SIGTERM\): interrupting the run in progress/m,
          );
          const last = (await readRuns(world.db)).at(-1);
          assert.equal(last?.status, "failed");
          assert.match(
            String(last?.error),
            /^INTERRUPTED: Cannot finish run \d+: stopped by a second stop request \(SIGTERM\); the run was rolled back/,
          );
          assert.equal(await stagingLeft(world.db), false);
        } finally {
          release();
          await stopGroup(group);
          await proxy.close();
        }
      });
      await Deno.remove(world.cwd, { recursive: true });
    } finally {
      await store.close();
    }
  },
);
