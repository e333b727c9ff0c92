// Tests of the scheduler outliving its database: its connections terminated and the server stopped
// between triggers (the embedded one is started again; a configured one is waited for, and the
// failed trigger recorded once it is back), a database down when `deno task schedule` starts, and
// `deno task db:stop` stopping only the server of the port it is given. (A run whose connections
// die mid-COPY must itself end within 10 s: that is tests/faults/database_faults_test.ts.)
import assert from "node:assert/strict";
import type { DbSettings } from "../lib/config/settings.ts";
import { createProgress } from "../lib/runtime/progress.ts";
import { startEmbeddedPostgres, stopEmbeddedPostgres } from "../lib/embedded/embedded_postgres.ts";
import { connectDatabase } from "../lib/db/connect_database.ts";
import { createCronSchedule } from "../lib/calendar/cron_schedule.ts";
import { deadlineSchedule } from "../lib/calendar/deadline_schedule.ts";
import { Scheduler, type SchedulerClock } from "../lib/schedule/scheduler.ts";
import { schedulerDependencies } from "../lib/schedule/scheduler_dependencies.ts";
import { runScript, spawnScript } from "./helpers/project_script.ts";
import { TEST_SCHEDULER_DB_PORT, TEST_SCHEDULER_LATE_PORT } from "./helpers/ports.ts";
import { readRuns } from "./helpers/run_log.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  testPostgres,
  type TestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import { PREFIX, uploadDataset } from "./helpers/uploads.ts";

const OWN_PORT = TEST_SCHEDULER_DB_PORT;
const LATE_PORT = TEST_SCHEDULER_LATE_PORT;

/** A clock that moves only when told; sleeps resolve when it reaches them. */
class ManualClock implements SchedulerClock {
  #now: number;
  #sleepers: { until: number; resolve: () => void }[] = [];
  constructor(iso: string) {
    this.#now = Date.parse(iso);
  }
  now() {
    return new Date(this.#now);
  }
  sleepUntil(instant: Date, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || instant.getTime() <= this.#now) return resolve();
      this.#sleepers.push({ until: instant.getTime(), resolve });
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  /** Resolves once something sleeps. */
  async sleeping(): Promise<Date> {
    while (this.#sleepers.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    return new Date(this.#sleepers.at(-1)!.until);
  }
  advanceTo(iso: string) {
    this.#now = Date.parse(iso);
    for (const sleeper of this.#sleepers.filter((s) => s.until <= this.#now)) sleeper.resolve();
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
  }
}

async function terminateBackends(db: DbSettings): Promise<number> {
  const admin = connectTo({ ...db, database: "postgres" });
  try {
    const rows = await admin`select pg_terminate_backend(pid) as done from pg_stat_activity
                             where datname = ${db.database} and pid <> pg_backend_pid()`;
    return rows.length;
  } finally {
    await admin.end();
  }
}

Deno.test(
  "the scheduler survives its database going away: terminated connections, a stopped server",
  async (t) => {
    const store = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "sched-db-" });
    await Deno.chmod(cwd, 0o755); // the embedded server's user must reach its folder
    const rootDir = `${cwd}/.data`;
    const log: string[] = [];
    let scheduler: Scheduler | undefined;
    try {
      const bucket = uniqueBucket("survive");
      await store.createBucket(bucket);
      await uploadDataset(store, bucket, PREFIX, { animelistRows: 5_000, animeRows: 200, seed: 9 });
      const db = await startEmbeddedPostgres({ rootDir, port: OWN_PORT, database: "anime" });
      const sql = await connectDatabase(db, "anime-etl-schedule");
      const cron = createCronSchedule("0 6 * * *", "UTC");
      const clock = new ManualClock("2026-05-02T06:00:00Z");
      const targets = {
        s3: store.settings(bucket, PREFIX),
        db,
        limits: {
          rejectThreshold: 0.01,
          stallTimeoutSeconds: 30,
          publishWaitSeconds: 180,
          priority: 0,
        },
      };
      const build = (mode: "embedded" | "configured") =>
        new Scheduler({
          cron,
          deadline: deadlineSchedule("07:00", "UTC"),
          clock,
          retry: { attempts: 3, baseDelayMs: 120_000 },
          log: (line) => log.push(line),
          ...schedulerDependencies({
            sql,
            targets: { ...targets, mode },
            embedded: { rootDir, port: OWN_PORT },
            progress: createProgress({ mode: "quiet" }),
            outDir: `${cwd}/dashboard`,
            schedule: { cron, deadline: "07:00" },
            log: (line) => log.push(line),
          }),
        });
      scheduler = build("embedded");
      try {
        await t.step("a first trigger loads and writes the dashboard", async () => {
          const result = await scheduler!.trigger("schedule", clock.now());
          assert.equal(result.outcome, "succeeded", log.join("\n"));
          assert.ok(log.some((line) => line.startsWith("dashboard:written file://")));
        });
        await t.step(
          "all its connections terminated between triggers: the next trigger works",
          async () => {
            assert.ok(await terminateBackends(db) >= 1, "the scheduler's connections were open");
            clock.advanceTo("2026-05-03T06:00:00Z");
            log.length = 0;
            const result = await scheduler!.trigger("schedule", clock.now());
            assert.equal(result.outcome, "skipped", log.join("\n"));
            assert.ok(log.some((line) => line.startsWith("dashboard:written")), log.join("\n"));
          },
        );
        await t.step(
          "embedded server stopped (db:stop) between triggers: started again",
          async () => {
            assert.equal(await stopEmbeddedPostgres({ rootDir, port: OWN_PORT }), true);
            clock.advanceTo("2026-05-05T06:00:00Z");
            log.length = 0;
            const result = await scheduler!.trigger("schedule", clock.now());
            assert.equal(result.outcome, "skipped", log.join("\n"));
            assert.equal(
              log[1],
              `schedule:db-start embedded PostgreSQL on port ${OWN_PORT} does not answer; starting it`,
            );
          },
        );
        await t.step(
          "a configured server down at a trigger: retried, recorded once it is back",
          async () => {
            const configured = build("configured");
            assert.equal(await stopEmbeddedPostgres({ rootDir, port: OWN_PORT }), true);
            clock.advanceTo("2026-05-06T06:00:00Z");
            log.length = 0;
            const result = configured.trigger("schedule", clock.now());
            assert.equal((await clock.sleeping()).toISOString(), "2026-05-06T06:02:00.000Z");
            assert.match(
              log.join("\n"),
              /^schedule:error schedule trigger for 2026-05-06 06:00 UTC not run: Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ database "anime" as "postgres": .*ECONNREFUSED/m,
            );
            assert.equal(configured.unrecorded.length, 1);
            await startEmbeddedPostgres({ rootDir, port: OWN_PORT, database: "anime" });
            clock.advanceTo("2026-05-06T06:02:00Z");
            assert.equal((await result).outcome, "skipped", log.join("\n"));
            const rows = await readRuns(db);
            const unreached = rows.at(-2)!;
            assert.deepEqual(
              [unreached.trigger, unreached.status],
              ["schedule", "failed"],
              `${JSON.stringify(rows.slice(-3))}\n${log.join("\n")}`,
            );
            assert.match(String(unreached.error), /^DB_UNREACHABLE: Cannot connect to PostgreSQL/);
            assert.ok(log.includes(
              `schedule:recorded run ${unreached.run_id} failed (schedule attempt at 2026-05-06 06:00 UTC) once the database was back: ${unreached.error}`,
            ));
            assert.equal(configured.unrecorded.length, 0);
            await configured.settled();
          },
        );
      } finally {
        await scheduler.settled();
        await sql.end({ timeout: 1 });
      }
      await t.step("db:stop with another port says there is none and stops nothing", async () => {
        const other = await runScript("lib/cli/db_stop.ts", [], {
          cwd,
          env: { ETL_EMBEDDED_PORT: "55462" },
        });
        assert.equal(other.code, 0, other.stderr);
        const dataDir = await Deno.realPath(`${rootDir}/postgres`);
        assert.equal(
          other.stdout.trim(),
          `db:not-running no embedded PostgreSQL on port 55462 in ${dataDir}: the server of that folder was started on port ${OWN_PORT} (ETL_EMBEDDED_PORT=${OWN_PORT} deno task db:stop stops it)`,
        );
        const probe = connectTo(db);
        try {
          await probe`select 1`;
        } finally {
          await probe.end();
        }
        const own = await runScript("lib/cli/db_stop.ts", [], {
          cwd,
          env: { ETL_EMBEDDED_PORT: String(OWN_PORT) },
        });
        assert.equal(
          own.stdout.trim(),
          `db:stopped embedded PostgreSQL on port ${OWN_PORT} (${dataDir})`,
        );
        const again = await runScript("lib/cli/db_stop.ts", [], {
          cwd,
          env: { ETL_EMBEDDED_PORT: String(OWN_PORT) },
        });
        assert.equal(
          again.stdout.trim(),
          `db:not-running no embedded PostgreSQL on port ${OWN_PORT} in ${dataDir}: nothing to stop`,
        );
      });
    } finally {
      await stopEmbeddedPostgres({ rootDir, port: OWN_PORT }).catch(() => {});
      await store.close();
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
);

/** A TCP forwarder from `port` to the test cluster, started when the test says. */
function forward(port: number, to: DbSettings) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const conns = new Set<Deno.Conn>();
  const pipes: Promise<unknown>[] = [];
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: to.host, port: to.port }).catch(() =>
        undefined
      );
      if (!server) {
        client.close();
        continue;
      }
      conns.add(client);
      conns.add(server);
      pipes.push(
        client.readable.pipeTo(server.writable).catch(() => {}),
        server.readable.pipeTo(client.writable).catch(() => {}),
      );
    }
  })();
  return {
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed by the other side
        }
      }
      await accepting.catch(() => {});
      await Promise.allSettled(pipes);
    },
  };
}

Deno.test(
  "deno task schedule started while PostgreSQL is down waits with backoff and starts once it answers",
  async () => {
    const admin = await testPostgres();
    const db = await freshDatabase("late");
    const store: TestStore = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "sched-late-" });
    const config = await writeConfig(cwd, store.settings(uniqueBucket("late"), PREFIX), {
      ...db,
      port: LATE_PORT,
    });
    const child = spawnScript("lib/cli/schedule.ts", ["--config", config, "--out", `${cwd}/out`], {
      cwd,
    });
    const lines: string[] = [];
    const reading = (async () => {
      let buffer = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        lines.push(...parts);
      }
    })();
    const stderr = new Response(child.stderr).text();
    const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
      const end = Date.now() + timeoutMs;
      while (!lines.some((line) => pattern.test(line))) {
        if (Date.now() > end) {
          throw new Error(`Timed out waiting for ${pattern}:\n${lines.join("\n")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return lines.find((line) => pattern.test(line))!;
    };
    let forwarder: ReturnType<typeof forward> | undefined;
    try {
      const first = await waitFor(/^schedule:waiting-for-database attempt 1 /);
      assert.match(
        first,
        new RegExp(
          `^schedule:waiting-for-database attempt 1 failed: DB_UNREACHABLE: Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${LATE_PORT} database "${db.database}" as "postgres": .+; next attempt in 1 s$`,
        ),
      );
      await waitFor(/^schedule:waiting-for-database attempt 2 failed: .+; next attempt in 2 s$/);
      assert.ok(!lines.some((line) => line.startsWith("schedule:started")));
      forwarder = forward(LATE_PORT, admin);
      await waitFor(/^schedule:database-back after [3-9] attempts$/, 15_000);
      await waitFor(/^schedule:started cron "0 6 \* \* \*" in UTC, deadline 07:00/);
      await waitFor(/^schedule:catch-up none: etl\.runs has no run yet/);
      await waitFor(/^dashboard:written file:\/\//);
      child.kill("SIGTERM");
      const status = await child.status;
      await reading;
      assert.equal(status.code, 0, await stderr);
      assert.equal(lines.at(-1), "schedule:stopped");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await reading.catch(() => {});
      await stderr.catch(() => "");
      await forwarder?.close();
      await store.close();
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
);
