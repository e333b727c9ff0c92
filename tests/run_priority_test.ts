// Readers first on the CPU: a real `deno task etl` full refresh runs its process and its own
// PostgreSQL backends at `[ETL] PRIORITY`'s nice value while it holds them (read from /proc), and
// leaves them alone when it is off; the parallel workers of a lowered session are lowered too.
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { createClient } from "../lib/db/create_client.ts";
import { runEtl } from "../lib/run_etl.ts";
import { autogroupsEnabled, parseAutogroup, readProcStat } from "../lib/db/process_priority.ts";
import { describePriority, lowerRunPriority } from "../lib/db/run_priority.ts";
import { isGetOf, startFaultProxy } from "./helpers/fault_proxy.ts";
import { type RunningScript, startScript } from "./helpers/project_script.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import { PREFIX, uploadDataset } from "./helpers/uploads.ts";

const RUN_APPLICATION = "anime-etl";

Deno.test("a full refresh runs its process and backends at [ETL] PRIORITY, and leaves them alone when off", async (t) => {
  await using store = await startTestStore();
  const cwd = await Deno.makeTempDir({ prefix: "priority-" });
  try {
    const bucket = uniqueBucket("prio");
    await store.createBucket(bucket);
    await uploadDataset(store, bucket, PREFIX, { animelistRows: 20_000, animeRows: 300, seed: 9 });
    const db = await freshDatabase("prio");
    // A first run migrates and publishes: in the runs below, the only transaction is the load's.
    const first = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
    assert.equal(first.status, "succeeded", first.error?.message);
    await using sql = connectTo(db);
    const [own] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    // What the server gives a session that nobody lowered.
    const serverNice = readProcStat(own!.pid)!.nice;
    assert.ok(serverNice < 10, `the test server runs at nice ${serverNice}`);
    // The run's process starts at the test's own nice value (a child inherits it).
    const testNice = readProcStat(Deno.pid)!.nice;
    const cases = [{
      name: "default",
      env: {},
      backends: 10,
      threads: 10,
      // A kernel without sched_autogroup has no groups to raise, and the line names none.
      line: autogroupsEnabled()
        ? /^priority: process, 2 backends and \d+ parallel workers? at nice 10, their \d+ autogroups too, I\/O best-effort 7$/m
        : /^priority: process, 2 backends and \d+ parallel workers? at nice 10, I\/O best-effort 7$/m,
    }, {
      name: "ETL_PRIORITY=15",
      env: { ETL_PRIORITY: "15" },
      backends: 15,
      threads: 15,
      line: /^priority: process, 2 backends and \d+ parallel workers? at nice 15, /m,
    }, {
      name: "ETL_PRIORITY=off",
      env: { ETL_PRIORITY: "off" },
      backends: serverNice,
      threads: testNice,
      line: /^priority: off \(\[ETL\] PRIORITY = off\)/m,
    }];
    for (const { name, env, backends: backendNice, threads, line } of cases) {
      await t.step(name, async () => {
        // The run holds its sessions while animelist.csv stalls mid-body, until released.
        let release = () => {};
        const gate = new Promise<void>((resolve) => release = resolve);
        await using proxy = startFaultProxy(store.endpoint, [{
          match: isGetOf("animelist.csv"),
          action: { kind: "stall", afterBytes: 20_000, until: gate },
        }]);
        const config = await writeConfig(
          cwd,
          { ...store.settings(bucket, PREFIX), endpoint: proxy.endpoint },
          db,
        );
        await using etl = startScript("lib/cli/etl.ts", ["--config", config, "--force"], {
          cwd,
          env,
        });
        try {
          const backends = await runBackends(sql, etl);
          for (const [what, pid] of Object.entries(backends)) {
            assert.equal(readProcStat(pid)?.nice, backendNice, `the ${what} backend's nice value`);
            // A backend leads its own session: its scheduling group is what competes.
            if (autogroupsEnabled()) {
              assert.equal(autogroupNice(pid), backendNice, `the ${what} backend's autogroup`);
            }
          }
          for (const thread of Deno.readDirSync(`/proc/${etl.pid}/task`)) {
            const stat = readProcStat(Number(thread.name));
            // A thread that ended since the listing has no stat left.
            if (stat) assert.equal(stat.nice, threads, `the run's thread ${stat.comm}`);
          }
        } finally {
          release();
        }
        const { code, stdout, stderr } = await etl.finished;
        assert.equal(code, 0, `${stderr}${stdout}`);
        assert.match(stdout, line);
      });
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the parallel workers of a lowered session are lowered while its statement runs", async () => {
  const db = await freshDatabase("prio_workers");
  await using sql = connectTo(db);
  await sql.unsafe(`
    create table numbers as select g from generate_series(1, 100000) g;
    analyze numbers;
    -- Parallel safe by declaration: each row takes a millisecond, so the scan runs until cancelled.
    create function slow(value int) returns int language plpgsql parallel safe as
      'begin perform pg_sleep(0.001); return value; end';
  `);
  const session = createClient(db, { applicationName: "anime-test-priority", max: 1 });
  const poll = createClient(db, { applicationName: "anime-test-priority", max: 1 });
  try {
    const [session_] = await session<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const pid = session_!.pid;
    const testNice = readProcStat(Deno.pid)!.nice;
    let report;
    {
      await using priority = await lowerRunPriority({
        nice: 7,
        sessions: [session],
        poll,
        pollMs: 20,
        ownProcess: false,
      });
      report = priority.report;
      assert.deepEqual(priority.backendPids, [pid]);
      assert.equal(readProcStat(pid)?.nice, 7);
      if (autogroupsEnabled()) assert.equal(autogroupNice(pid), 7);
      assert.equal(readProcStat(Deno.pid)?.nice, testNice, "the test process keeps its priority");
      await session.unsafe(
        "set parallel_setup_cost = 0; set parallel_tuple_cost = 0; " +
          "set min_parallel_table_scan_size = 0; set max_parallel_workers_per_gather = 2",
      );
      const scan = session.unsafe("select count(*) from numbers where slow(g) > 0")
        .catch((error: Error) => error);
      try {
        const workers = await waitFor("a parallel worker at nice 7", async () => {
          const rows = await sql<{ pid: number }[]>`
            select pid from pg_stat_activity where leader_pid = ${pid} and pid <> ${pid}`;
          const lowered = rows.filter((row) =>
            readProcStat(row.pid)?.nice === 7 &&
            (!autogroupsEnabled() || autogroupNice(row.pid) === 7)
          );
          return lowered.length > 0 ? lowered : undefined;
        });
        assert.ok(workers.length >= 1);
      } finally {
        await sql`select pg_cancel_backend(${pid})`;
        const outcome = await scan;
        assert.ok(outcome instanceof Error && /cancel/i.test(outcome.message), String(outcome));
      }
    }
    assert.equal(report.backends, 1);
    assert.ok(report.workers >= 1, `workers lowered: ${report.workers}`);
    assert.equal(report.processThreads, 0);
    // Raising only: a session already at 12 stays there when 7 is asked for.
    const again = await lowerRunPriority({
      nice: 12,
      sessions: [session],
      poll,
      ownProcess: false,
    });
    await again[Symbol.asyncDispose]();
    const lower = await lowerRunPriority({ nice: 7, sessions: [session], poll, ownProcess: false });
    await lower[Symbol.asyncDispose]();
    assert.equal(readProcStat(pid)?.nice, 12);
  } finally {
    await session.end();
    await poll.end();
  }
});

Deno.test("describePriority says what was lowered, and why something was left alone", () => {
  assert.equal(
    describePriority({
      nice: 10,
      processThreads: 5,
      backends: 0,
      workers: 0,
      groups: 0,
      io: 5,
      notes: [
        "backends: not on this machine (no process 77 started at its backend_start; a remote " +
        "server?), left at the server's priority",
      ],
    }),
    "process, 0 backends and 0 parallel workers at nice 10, I/O best-effort 7; backends: not on " +
      "this machine (no process 77 started at its backend_start; a remote server?), left at the " +
      "server's priority",
  );
  assert.equal(
    describePriority({
      nice: 19,
      processThreads: 0,
      backends: 1,
      workers: 1,
      groups: 1,
      io: "ionice is not installed",
      notes: [],
    }),
    "1 backend and 1 parallel worker at nice 19, their 1 autogroup too (I/O priority unchanged: " +
      "ionice is not installed)",
  );
});

/**
 * Waits until the run's load transaction copies animelist.csv (the stalled file) into anime_list:
 * its load and run lock backends. (A log session also has a transaction id while it writes a row.)
 */
async function runBackends(sql: Sql, etl: RunningScript): Promise<{ load: number; lock: number }> {
  return await waitFor("the run's load transaction", async () => {
    if (etl.exited()) {
      const { code, stdout, stderr } = await etl.finished;
      throw new Error(`deno task etl exited with ${code} first:\n${stderr}${stdout}`);
    }
    const [row] = await sql<{ load: number | null; lock: number | null }[]>`
      select
        (select pid from pg_stat_activity
         where datname = current_database() and application_name = ${RUN_APPLICATION}
           and backend_xid is not null and query ilike '%copy anime_list %' limit 1) as load,
        (select l.pid from pg_locks l join pg_stat_activity a using (pid)
         where l.locktype = 'advisory' and l.granted and a.datname = current_database()
           and a.application_name = ${RUN_APPLICATION} limit 1) as lock`;
    // The run lock is a session's own, apart from the load transaction's.
    return row?.load && row.lock && row.load !== row.lock
      ? { load: row.load, lock: row.lock }
      : undefined;
  });
}

function autogroupNice(pid: number): number {
  return parseAutogroup(Deno.readTextFileSync(`/proc/${pid}/autogroup`));
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
