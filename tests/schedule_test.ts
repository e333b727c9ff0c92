// Tests of scheduling: settings, the scheduler's rules under an injected clock, deadline checks in a
// real PostgreSQL, `deno task schedule` and `deadline:check` as subprocesses, and the deploy/ examples.
import assert from "node:assert/strict";
import { PipelineError } from "../lib/errors.ts";
import { generateDataset } from "../lib/generate/dataset.ts";
import { migrate } from "../lib/load/migrate.ts";
import { checkDeadline } from "../lib/schedule/check_deadline.ts";
import { createCronSchedule, type CronSchedule } from "../lib/schedule/cron_schedule.ts";
import { deadlineSchedule } from "../lib/schedule/deadline_schedule.ts";
import { type DeadlineWindow, deadlineWindow } from "../lib/schedule/deadline_window.ts";
import { decideCatchUp } from "../lib/schedule/decide_catch_up.ts";
import { readRunHistory } from "../lib/schedule/read_run_history.ts";
import { readRunsSignature } from "../lib/schedule/read_runs_signature.ts";
import { resolveScheduleSettings } from "../lib/schedule/schedule_settings.ts";
import {
  type RunResult,
  Scheduler,
  type SchedulerClock,
  type TriggerKind,
} from "../lib/schedule/scheduler.ts";
import {
  runScript as runProjectScript,
  spawnScript as spawnProjectScript,
} from "./helpers/project_script.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";

const SERVICES = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../", import.meta.url).pathname;
const at = (iso: string) => new Date(iso);

// ---------------------------------------------------------------------------------------------
// An injected clock: time moves only when the test says so.

class FakeClock implements SchedulerClock {
  #now: Date;
  #sleepers: { until: Date; resolve: () => void }[] = [];
  #onSleep: (() => void)[] = [];

  constructor(start: string) {
    this.#now = at(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleepUntil(until: Date, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || until.getTime() <= this.#now.getTime()) return resolve();
      this.#sleepers.push({ until, resolve });
      signal.addEventListener("abort", () => resolve(), { once: true });
      for (const notify of this.#onSleep.splice(0)) notify();
    });
  }

  /** Resolves with the instant the scheduler sleeps until, once it sleeps. */
  async sleeping(): Promise<Date> {
    while (this.#sleepers.length === 0) {
      await new Promise<void>((resolve) => this.#onSleep.push(resolve));
    }
    return this.#sleepers.at(-1)!.until;
  }

  /** Moves the clock and wakes every sleeper due by then. */
  advanceTo(iso: string): void {
    this.#now = at(iso);
    const due = this.#sleepers.filter((sleeper) => sleeper.until.getTime() <= this.#now.getTime());
    this.#sleepers = this.#sleepers.filter((sleeper) => !due.includes(sleeper));
    for (const sleeper of due) sleeper.resolve();
  }
}

/** A run the test finishes by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Harness {
  scheduler: Scheduler;
  clock: FakeClock;
  log: string[];
  triggers: TriggerKind[];
  deadlines: DeadlineWindow[];
  dashboards: number;
}

function harness(options: {
  start: string;
  cron?: CronSchedule;
  deadline?: string;
  runs?: number;
  lastStartedAt?: Date;
  runEtl?: (trigger: TriggerKind, n: number) => Promise<RunResult>;
  deadlineStatus?: "met" | "missed";
}): Harness {
  const clock = new FakeClock(options.start);
  const cron = options.cron ?? createCronSchedule("0 7 * * *", "UTC");
  const state: Harness = {
    scheduler: undefined as unknown as Scheduler,
    clock,
    log: [],
    triggers: [],
    deadlines: [],
    dashboards: 0,
  };
  let signature = 0;
  state.scheduler = new Scheduler({
    cron,
    deadline: deadlineSchedule(options.deadline ?? "07:00", cron.timeZone),
    clock,
    runEtl: (trigger) => {
      state.triggers.push(trigger);
      signature++;
      return options.runEtl?.(trigger, state.triggers.length) ??
        Promise.resolve({ runId: state.triggers.length, status: "succeeded", seconds: 2 });
    },
    readRunHistory: () =>
      Promise.resolve({ runs: options.runs ?? 1, lastStartedAt: options.lastStartedAt }),
    checkDeadline: (window) => {
      state.deadlines.push(window);
      const status = options.deadlineStatus ?? "met";
      return Promise.resolve({ status, detail: status === "met" ? "run 1 succeeded" : "none" });
    },
    refreshDashboard: () => {
      state.dashboards++;
      return Promise.resolve();
    },
    readRunsSignature: () => Promise.resolve(String(signature)),
    watchIntervalMs: 3_600_000,
    log: (line) => state.log.push(line),
  });
  return state;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

// ---------------------------------------------------------------------------------------------
// Pure rules.

Deno.test("cron schedule: next trigger in the configured time zone, daylight saving included", async (t) => {
  const cases = [
    ["0 7 * * *", "UTC", "2026-05-02T06:59:59Z", "2026-05-02T07:00:00.000Z"],
    ["0 7 * * *", "UTC", "2026-05-02T07:00:00Z", "2026-05-03T07:00:00.000Z"],
    ["0 7 * * *", "Europe/Berlin", "2026-01-15T12:00:00Z", "2026-01-16T06:00:00.000Z"],
    ["0 7 * * *", "Europe/Berlin", "2026-07-15T12:00:00Z", "2026-07-16T05:00:00.000Z"],
    ["30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00.000Z"],
    ["0 7 * * 1", "America/New_York", "2026-05-02T12:00:00Z", "2026-05-04T11:00:00.000Z"],
  ] as const;
  for (const [expression, zone, now, next] of cases) {
    await t.step(`${expression} in ${zone} after ${now}`, () => {
      assert.equal(createCronSchedule(expression, zone).next(at(now))?.toISOString(), next);
    });
  }
  await t.step("previous includes a trigger at the instant itself", () => {
    const cron = createCronSchedule("0 7 * * *", "UTC");
    assert.equal(
      cron.previous(at("2026-05-02T07:00:00Z"))?.toISOString(),
      "2026-05-02T07:00:00.000Z",
    );
    assert.equal(
      cron.previous(at("2026-05-02T06:59:59Z"))?.toISOString(),
      "2026-05-01T07:00:00.000Z",
    );
  });
});

Deno.test("decideCatchUp owes one run per downtime and none after a run", async (t) => {
  const cron = createCronSchedule("0 7 * * *", "UTC");
  const cases: {
    name: string;
    now: string;
    runs: number;
    last?: string;
    due: string | false;
    reason: RegExp;
  }[] = [
    {
      name: "down over 07:00, back at 09:00: catch up today's 07:00",
      now: "2026-05-02T09:00:00Z",
      runs: 4,
      last: "2026-05-01T07:00:01Z",
      due: "2026-05-02T07:00:00.000Z",
      reason: /no run since the trigger at 2026-05-02T07:00:00.000Z; the last one started/,
    },
    {
      name: "down for three days: one catch-up, for the last trigger only",
      now: "2026-05-05T12:00:00Z",
      runs: 4,
      last: "2026-05-01T07:00:01Z",
      due: "2026-05-05T07:00:00.000Z",
      reason: /no run since/,
    },
    {
      name: "back before today's trigger, yesterday's ran: nothing owed",
      now: "2026-05-02T06:00:00Z",
      runs: 4,
      last: "2026-05-01T07:00:01Z",
      due: false,
      reason: /after the last trigger at 2026-05-01T07:00:00.000Z/,
    },
    {
      name: "a run (e.g. manual) already happened after the trigger: nothing owed",
      now: "2026-05-02T09:00:00Z",
      runs: 5,
      last: "2026-05-02T08:15:00Z",
      due: false,
      reason: /a run started at 2026-05-02T08:15:00.000Z/,
    },
    {
      name: "started exactly at the trigger time: the trigger is caught up",
      now: "2026-05-02T07:00:00Z",
      runs: 4,
      last: "2026-05-01T07:00:01Z",
      due: "2026-05-02T07:00:00.000Z",
      reason: /no run since/,
    },
    {
      name: "only abandoned runs so far: owed",
      now: "2026-05-02T09:00:00Z",
      runs: 2,
      due: "2026-05-02T07:00:00.000Z",
      reason: /^no run since the trigger at 2026-05-02T07:00:00.000Z$/,
    },
    {
      name: "empty etl.runs: nothing was loaded, so nothing was missed",
      now: "2026-05-02T09:00:00Z",
      runs: 0,
      due: false,
      reason: /etl\.runs has no run yet; deno task etl loads now/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const decision = decideCatchUp(at(c.now), {
        cron,
        runs: c.runs,
        lastStartedAt: c.last ? at(c.last) : undefined,
      });
      assert.equal(decision.due ? decision.scheduledFor.toISOString() : false, c.due);
      assert.match(decision.reason, c.reason);
    });
  }
});

Deno.test("deadlineWindow: which deadline is due and when its window opened", async (t) => {
  const cases = [
    ["defaults, after the deadline", "0 7 * * *", "07:00", "UTC", "2026-05-02T07:30:00Z", [
      "2026-05-02T07:00:00.000Z",
      "2026-05-02T07:00:00.000Z",
    ]],
    [
      "defaults, before today's deadline: yesterday's is due",
      "0 7 * * *",
      "07:00",
      "UTC",
      "2026-05-02T06:00:00Z",
      [
        "2026-05-01T07:00:00.000Z",
        "2026-05-01T07:00:00.000Z",
      ],
    ],
    [
      "06:00 trigger, 07:00 deadline: the 06:00 run counts",
      "0 6 * * *",
      "07:00",
      "UTC",
      "2026-05-02T07:00:00Z",
      [
        "2026-05-02T07:00:00.000Z",
        "2026-05-02T06:00:00.000Z",
      ],
    ],
    ["Berlin summer time", "0 6 * * *", "07:00", "Europe/Berlin", "2026-07-01T12:00:00Z", [
      "2026-07-01T05:00:00.000Z",
      "2026-07-01T04:00:00.000Z",
    ]],
    [
      "weekly trigger: the window opens on Monday",
      "0 6 * * 1",
      "07:00",
      "UTC",
      "2026-05-07T08:00:00Z",
      [
        "2026-05-07T07:00:00.000Z",
        "2026-05-04T06:00:00.000Z",
      ],
    ],
  ] as const;
  for (const [name, cron, deadline, zone, now, [dueAt, windowStart]] of cases) {
    await t.step(name, () => {
      const window = deadlineWindow(at(now), {
        cron: createCronSchedule(cron, zone),
        deadline: deadlineSchedule(deadline, zone),
      });
      assert.deepEqual(
        [window.dueAt.toISOString(), window.windowStart.toISOString()],
        [dueAt, windowStart],
      );
    });
  }
});

Deno.test("resolveScheduleSettings: env over file over default; errors name the key", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "schedule-settings-" });
  const write = async (body: string) => {
    const path = `${dir}/credentials.cfg`;
    await Deno.writeTextFile(path, `[S3]\nREGION = x\n\n[SCHEDULE]\n${body}\n`, { mode: 0o600 });
    return path;
  };
  try {
    await t.step("defaults without a file", async () => {
      assert.deepEqual(
        await resolveScheduleSettings({ configPath: `${dir}/missing.cfg`, env: {} }),
        { cron: "0 7 * * *", timeZone: "UTC", deadline: "07:00" },
      );
    });
    await t.step("from the file, a # in a cron value kept as configparser does", async () => {
      const path = await write("CRON = 0 6 * * 1#1\nTIMEZONE = Europe/Berlin\nDEADLINE = 6:30");
      assert.deepEqual(await resolveScheduleSettings({ configPath: path, env: {} }), {
        cron: "0 6 * * 1#1",
        timeZone: "Europe/Berlin",
        deadline: "6:30",
      });
    });
    await t.step("environment variables win", async () => {
      const path = await write("CRON = 0 6 * * *\nTIMEZONE = Europe/Berlin");
      assert.deepEqual(
        await resolveScheduleSettings({
          configPath: path,
          env: { ETL_SCHEDULE_CRON: "*/5 * * * *", ETL_SCHEDULE_DEADLINE: "08:15" },
        }),
        { cron: "*/5 * * * *", timeZone: "Europe/Berlin", deadline: "08:15" },
      );
    });
    const invalid = [
      [
        "CRON = 0 25 * * *",
        {},
        `Invalid setting SCHEDULE.CRON (from "${dir}/credentials.cfg"): CronPattern: Invalid value for hour: 25`,
      ],
      [
        "CRON = 0 7 * * * *",
        {},
        `Invalid setting SCHEDULE.CRON (from "${dir}/credentials.cfg"): CronPattern: mode '5-part' requires exactly 5 parts, but pattern '0 7 * * * *' has 6 parts.`,
      ],
      [
        "TIMEZONE = Mars/Olympus",
        {},
        `Invalid setting SCHEDULE.TIMEZONE (from "${dir}/credentials.cfg"): expected an IANA time zone such as "UTC" or "Europe/Berlin", got "Mars/Olympus"`,
      ],
      [
        "DEADLINE = 7am",
        {},
        `Invalid setting SCHEDULE.DEADLINE (from "${dir}/credentials.cfg"): expected a time of day HH:MM from 00:00 to 23:59, got "7am"`,
      ],
      [
        "",
        { ETL_SCHEDULE_DEADLINE: "24:00" },
        `Invalid setting SCHEDULE.DEADLINE (from environment variable ETL_SCHEDULE_DEADLINE): expected a time of day HH:MM from 00:00 to 23:59, got "24:00"`,
      ],
    ] as const;
    for (const [body, env, message] of invalid) {
      await t.step(`rejects ${body || JSON.stringify(env)}`, async () => {
        const path = await write(body);
        await assert.rejects(
          resolveScheduleSettings({ configPath: path, env }),
          (error: unknown) =>
            error instanceof PipelineError && error.code === "CONFIG_INVALID" &&
            error.message === message,
        );
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// The scheduler under an injected clock.

Deno.test("Scheduler prints the next trigger and catches up after downtime", async () => {
  const h = harness({ start: "2026-05-02T09:00:00Z", lastStartedAt: at("2026-05-01T07:00:02Z") });
  assert.equal(h.scheduler.nextTrigger()?.toISOString(), "2026-05-03T07:00:00.000Z");
  const result = await h.scheduler.runOnce();
  assert.equal(result?.outcome, "succeeded");
  assert.equal(result?.kind, "catch-up");
  assert.equal(result?.scheduledFor.toISOString(), "2026-05-02T07:00:00.000Z");
  assert.deepEqual(h.triggers, ["catch-up"]);
  assert.equal(h.dashboards, 1, "dashboard regenerated after the successful run");
  assert.deepEqual(h.log, [
    "schedule:next 2026-05-03 07:00 UTC, in 22 h",
    "schedule:catch-up no run since the trigger at 2026-05-02T07:00:00.000Z; the last one started at 2026-05-01T07:00:02.000Z",
    "schedule:trigger catch-up for 2026-05-02 07:00 UTC",
    "schedule:run run 1 succeeded in 2.0 s (catch-up for 2026-05-02 07:00 UTC)",
  ]);
});

Deno.test("Scheduler does not catch up when a run already happened", async () => {
  const h = harness({ start: "2026-05-02T09:00:00Z", lastStartedAt: at("2026-05-02T07:00:01Z") });
  assert.equal(await h.scheduler.runOnce(), undefined);
  assert.deepEqual(h.triggers, []);
  assert.equal(h.dashboards, 1, "the dashboard is still regenerated on start");
  assert.match(h.log[1]!, /^schedule:catch-up none: a run started at 2026-05-02T07:00:01.000Z/);
});

Deno.test("Scheduler triggers on the cron, never overlaps its own run, and goes on after it", async () => {
  const runs = [deferred<RunResult>(), deferred<RunResult>()];
  const h = harness({
    start: "2026-05-02T06:55:00Z",
    cron: createCronSchedule("*/10 * * * *", "UTC"),
    deadline: "23:00",
    lastStartedAt: at("2026-05-02T06:50:00Z"),
    runEtl: (_trigger, n) => runs[n - 1]!.promise,
  });
  const stop = new AbortController();
  const loop = h.scheduler.run(stop.signal);
  assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T07:00:00.000Z");
  h.clock.advanceTo("2026-05-02T07:00:00Z");
  assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T07:10:00.000Z");
  assert.deepEqual(h.triggers, ["schedule"]);
  assert.ok(h.scheduler.busy);

  // 07:10 falls while the 07:00 run is still loading: no second run.
  h.clock.advanceTo("2026-05-02T07:10:00Z");
  await h.clock.sleeping();
  assert.deepEqual(h.triggers, ["schedule"]);
  assert.ok(h.log.includes(
    "schedule:overlap schedule trigger for 2026-05-02 07:10 UTC not run: the run for 2026-05-02 07:00 UTC is still in progress",
  ));

  runs[0]!.resolve({ runId: 7, status: "succeeded", seconds: 840 });
  await h.scheduler.settled();
  assert.equal(h.scheduler.busy, false);
  h.clock.advanceTo("2026-05-02T07:20:00Z");
  await h.clock.sleeping();
  assert.deepEqual(h.triggers, ["schedule", "schedule"]);
  runs[1]!.resolve({
    runId: 8,
    status: "failed",
    seconds: 1,
    error: { code: "SOURCE_MISSING", message: "Cannot find source file" },
  });
  stop.abort();
  await loop;
  assert.ok(
    h.log.includes("schedule:run run 7 succeeded in 840.0 s (schedule for 2026-05-02 07:00 UTC)"),
  );
  assert.ok(h.log.includes(
    "schedule:run run 8 failed in 1.0 s (schedule for 2026-05-02 07:20 UTC): SOURCE_MISSING: Cannot find source file",
  ));
  assert.equal(h.dashboards, 2, "on start and after the successful run, not after the failed one");
  assert.equal(h.log.at(-1), "schedule:stopped");
});

Deno.test("Scheduler reports RUN_LOCKED from another process and keeps its schedule", async () => {
  const h = harness({
    start: "2026-05-02T06:59:00Z",
    deadline: "23:00",
    lastStartedAt: at("2026-05-01T07:00:00Z"),
    runEtl: (_trigger, n) =>
      n === 1
        ? Promise.reject(
          new PipelineError(
            "RUN_LOCKED",
            "Cannot start a run: another run is in progress (run 41, started 2026-05-02T06:58:00.000Z); try again when it has finished",
            { stage: "load" },
          ),
        )
        : Promise.resolve({ runId: 43, status: "skipped", seconds: 0.2 }),
  });
  const first = await h.scheduler.trigger("schedule", at("2026-05-02T07:00:00Z"));
  assert.equal(first.outcome, "locked");
  assert.equal(h.scheduler.busy, false);
  assert.ok(h.log.includes(
    "schedule:locked schedule trigger for 2026-05-02 07:00 UTC not run: Cannot start a run: another run is in progress (run 41, started 2026-05-02T06:58:00.000Z); try again when it has finished",
  ));
  const second = await h.scheduler.trigger("schedule", at("2026-05-03T07:00:00Z"));
  assert.equal(second.outcome, "skipped");
  assert.equal(h.dashboards, 1, "a skipped run confirms the data: dashboard regenerated");
});

Deno.test("Scheduler checks the deadline after the run triggered at the same time", async () => {
  const run = deferred<RunResult>();
  const h = harness({
    start: "2026-05-02T06:30:00Z",
    lastStartedAt: at("2026-05-01T07:00:00Z"),
    runEtl: () => run.promise,
    deadlineStatus: "missed",
  });
  const stop = new AbortController();
  const loop = h.scheduler.run(stop.signal);
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T07:00:00Z");
  await h.clock.sleeping();
  await settle();
  assert.equal(h.deadlines.length, 0, "the check waits for the 07:00 run to end");
  run.resolve({ runId: 9, status: "failed", seconds: 3, error: { code: "X", message: "y" } });
  await h.scheduler.settled();
  assert.deepEqual(h.deadlines.map((w) => [w.dueAt.toISOString(), w.windowStart.toISOString()]), [
    ["2026-05-02T07:00:00.000Z", "2026-05-02T07:00:00.000Z"],
  ]);
  assert.ok(h.log.includes("deadline:missed deadline 2026-05-02 07:00 UTC: none"));
  stop.abort();
  await loop;
});

Deno.test("Scheduler refreshes the dashboard when another process finished a run", async () => {
  let signature = "a";
  let dashboards = 0;
  const clock = new FakeClock("2026-05-02T10:00:00Z");
  const cron = createCronSchedule("0 7 * * *", "UTC");
  const scheduler = new Scheduler({
    cron,
    deadline: deadlineSchedule("07:00", "UTC"),
    clock,
    runEtl: () => Promise.reject(new Error("not expected")),
    readRunHistory: () => Promise.resolve({ runs: 1, lastStartedAt: at("2026-05-02T07:00:00Z") }),
    checkDeadline: () => Promise.reject(new Error("not expected")),
    refreshDashboard: () => {
      dashboards++;
      return Promise.resolve();
    },
    readRunsSignature: () => Promise.resolve(signature),
    watchIntervalMs: 30_000,
    log: () => {},
  });
  const stop = new AbortController();
  const loop = scheduler.run(stop.signal);
  assert.equal((await clock.sleeping()).toISOString(), "2026-05-02T10:00:30.000Z");
  assert.equal(dashboards, 1);
  clock.advanceTo("2026-05-02T10:00:30Z");
  await clock.sleeping();
  assert.equal(dashboards, 1, "nothing changed");
  signature = "b"; // `deno task etl` finished a run meanwhile
  clock.advanceTo("2026-05-02T10:01:00Z");
  await clock.sleeping();
  await scheduler.settled();
  assert.equal(dashboards, 2);
  stop.abort();
  await loop;
});

// ---------------------------------------------------------------------------------------------
// Against a real PostgreSQL.

Deno.test(
  "run history and deadline checks read etl.runs and leave markers",
  SERVICES,
  async (t) => {
    const db = await freshDatabase("sched");
    const sql = connectTo(db);
    try {
      await migrate(sql);
      const window = {
        dueAt: at("2026-05-02T07:00:00Z"),
        windowStart: at("2026-05-02T07:00:00Z"),
      };
      const insertRun = (
        started: string,
        status: string,
        trigger: string,
        error: string | null = null,
      ) =>
        sql`insert into etl.runs (started_at, finished_at, status, trigger, error)
          values (${started}, ${
          status === "running" ? null : started
        }::timestamptz + interval '5 seconds',
                  ${status}, ${trigger}, ${error})
          returning run_id::int as run_id`;

      await t.step("an empty etl.runs: no history, deadline missed", async () => {
        assert.deepEqual(await readRunHistory(sql), { runs: 0, lastStartedAt: undefined });
        const result = await checkDeadline(sql, window);
        assert.equal(result.status, "missed");
        assert.equal(result.detail, "no run started since 2026-05-02T07:00:00Z");
      });
      await t.step("abandoned and running runs do not count as having run", async () => {
        await insertRun("2026-05-01T07:00:00Z", "succeeded", "schedule");
        await insertRun(
          "2026-05-02T07:00:00Z",
          "failed",
          "schedule",
          "ABANDONED: the process ended",
        );
        await insertRun("2026-05-02T07:30:00Z", "running", "manual");
        const history = await readRunHistory(sql);
        assert.equal(history.runs, 3);
        assert.equal(history.lastStartedAt?.toISOString(), "2026-05-01T07:00:00.000Z");
      });
      await t.step("a failed run since the window: missed, naming it", async () => {
        await sql`update etl.runs set status = 'failed', finished_at = started_at,
                error = 'SOURCE_MISSING: Cannot find source file' where status = 'running'`;
        const result = await checkDeadline(sql, window);
        assert.equal(result.status, "missed");
        assert.match(
          result.detail,
          /^no run succeeded since 2026-05-02T07:00:00Z; run 3 \(trigger manual\) failed: SOURCE_MISSING: Cannot find source file$/,
        );
        assert.equal(result.runId, 3);
      });
      await t.step("a skipped run since the window meets the deadline", async () => {
        const [run] = await insertRun("2026-05-02T08:00:00Z", "skipped", "catch-up");
        const result = await checkDeadline(sql, window);
        assert.equal(result.status, "met");
        assert.equal(result.runId, run!.run_id);
        assert.equal(
          result.detail,
          `run ${
            run!.run_id
          } skipped at 2026-05-02T08:00:05Z (trigger catch-up, started 2026-05-02T08:00:00Z)`,
        );
      });
      await t.step("every check is a row; the signature changes with each", async () => {
        const before = await readRunsSignature(sql);
        await checkDeadline(sql, window);
        assert.notEqual(await readRunsSignature(sql), before);
        const rows =
          await sql`select status, run_id::int as run_id from etl.deadline_checks order by check_id`;
        assert.deepEqual(rows.map((row) => row.status), ["missed", "missed", "met", "met"]);
      });
    } finally {
      await sql.end();
    }
  },
);

// ---------------------------------------------------------------------------------------------
// The commands as subprocesses.

interface Child {
  lines: string[];
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  process: Deno.ChildProcess;
  stderr: Promise<string>;
}

function spawnScript(script: string, args: string[], cwd: string): Child {
  const process = spawnProjectScript(script, args, { cwd });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  (async () => {
    let buffer = "";
    for await (const chunk of process.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      lines.push(...parts);
      for (const wake of waiters.splice(0)) wake();
    }
  })();
  const stderr = new Response(process.stderr).text();
  return {
    lines,
    process,
    stderr,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const found = lines.find((line) => pattern.test(line));
        if (found !== undefined) return found;
        if (Date.now() > deadline) {
          throw new Error(`Timed out waiting for ${pattern}; stdout:\n${lines.join("\n")}`);
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

function runScript(script: string, args: string[], cwd: string) {
  return runProjectScript(script, args, { cwd });
}

Deno.test(
  "deno task schedule prints the next trigger, catches up, writes the dashboard, stops on SIGTERM",
  SERVICES,
  async (t) => {
    const store = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "schedule-cli-" });
    try {
      const bucket = uniqueBucket("sched");
      await store.createBucket(bucket);
      const dataset = await generateDataset(`${cwd}/source`, {
        animelistRows: 1500,
        animeRows: 150,
      });
      for (const file of dataset.files) {
        await store.put(bucket, `data/${file.name}`, await Deno.readFile(file.path));
      }
      const db = await freshDatabase("schedcli");
      const config = await writeConfig(
        cwd,
        store.settings(bucket, "data/"),
        db,
        "\n[SCHEDULE]\nCRON = 0 7 * * *\nTIMEZONE = Europe/Berlin\nDEADLINE = 07:00\n",
      );
      await t.step("deadline:check before any run: missed, exit 1, marker recorded", async () => {
        const result = await runScript("lib/cli/deadline_check.ts", ["--config", config], cwd);
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(
          result.stderr,
          /^deadline:missed deadline \d{4}-\d\d-\d\d 07:00 Europe\/Berlin \(.+\): no run started since .+ \(check 1 in etl\.deadline_checks\)$/m,
        );
      });
      // The scheduler ran before and was down over the last trigger: a run three days ago.
      const sql = connectTo(db);
      try {
        await sql`insert into etl.runs (started_at, finished_at, status, trigger)
                  values (now() - interval '3 days', now() - interval '3 days', 'succeeded', 'schedule')`;
      } finally {
        await sql.end();
      }
      await t.step("starts, prints the next trigger and catches up the missed one", async () => {
        const child = spawnScript("lib/cli/schedule.ts", ["--config", config], cwd);
        try {
          await child.waitFor(
            /^schedule:started cron "0 7 \* \* \*" in Europe\/Berlin, deadline 07:00; configured targets/,
          );
          const next = await child.waitFor(/^schedule:next /);
          assert.match(
            next,
            /^schedule:next \d{4}-\d\d-\d\d 07:00 Europe\/Berlin \(\d{4}-\d\d-\d\dT0[56]:00:00Z\), in \d+ (h|min|s)\b/,
          );
          await child.waitFor(/^schedule:catch-up no run since the trigger at /);
          await child.waitFor(/^schedule:run run 2 succeeded in [\d.]+ s \(catch-up for /);
          const written = await child.waitFor(/^dashboard:written file:\/\//);
          const path = decodeURI(written.replace("dashboard:written file://", ""));
          assert.equal(path, `${await Deno.realPath(cwd)}/reports/dashboard/index.html`);
          const html = await Deno.readTextFile(path);
          assert.match(html, /data-field="published-run" data-value="2"/);
          child.process.kill("SIGTERM");
          const status = await child.process.status;
          await child.waitFor(/^schedule:stopped$/, 5_000);
          assert.equal(status.code, 0, await child.stderr);
        } finally {
          try {
            child.process.kill("SIGKILL");
          } catch {
            // already exited
          }
          await child.process.status;
        }
      });
      await t.step("the run is recorded as a catch-up trigger", async () => {
        const check = connectTo(db);
        try {
          const runs =
            await check`select run_id::int as run_id, trigger, status from etl.runs order by run_id`;
          assert.deepEqual(runs.map((row) => [row.run_id, row.trigger, row.status]), [
            [1, "schedule", "succeeded"],
            [2, "catch-up", "succeeded"],
          ]);
        } finally {
          await check.end();
        }
      });
      await t.step("deadline:check after the run: met, exit 0", async () => {
        const result = await runScript("lib/cli/deadline_check.ts", ["--config", config], cwd);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(
          result.stdout,
          /^deadline:met deadline .+: run 2 succeeded at .+ \(trigger catch-up, started .+\) \(check 2 in etl\.deadline_checks\)$/m,
        );
      });
      await t.step("--once with nothing owed exits 0 after printing the next trigger", async () => {
        const result = await runScript("lib/cli/schedule.ts", ["--config", config, "--once"], cwd);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /^schedule:next /m);
        assert.match(result.stdout, /^schedule:catch-up none: a run started at /m);
      });
    } finally {
      await store.close();
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
);

// ---------------------------------------------------------------------------------------------
// The deploy/ examples: crontab, systemd units, Airflow DAG.

const DEPLOY = `${ROOT}deploy`;

/** Asserts that an expression means daily at 07:00 (three triggers a day apart, at 07:00). */
function assertDailyAtSeven(cron: CronSchedule) {
  let instant = at("2026-01-01T00:00:00Z");
  for (let day = 1; day <= 3; day++) {
    instant = cron.next(instant)!;
    assert.equal(instant.toISOString(), `2026-01-0${day}T07:00:00.000Z`);
  }
}

Deno.test("deploy/crontab calls exactly deno task etl --trigger cron daily at 07:00", async () => {
  const entries = (await Deno.readTextFile(`${DEPLOY}/crontab`)).split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !/^[A-Z_]+=/.test(line))
    .map((line) => {
      const fields = line.split(/\s+/);
      return { expression: fields.slice(0, 5).join(" "), command: fields.slice(5).join(" ") };
    });
  assert.equal(entries.length, 2);
  const [etl, deadline] = entries;
  assertDailyAtSeven(createCronSchedule(etl!.expression, "UTC"));
  const steps = etl!.command.split("&&").map((step) => step.trim());
  assert.match(steps[0]!, /^cd \/\S+$/);
  assert.deepEqual(steps.slice(1), ["deno task etl --trigger cron", "deno task dashboard"]);
  assert.equal(
    createCronSchedule(deadline!.expression, "UTC").next(at("2026-01-01T00:00:00Z"))?.toISOString(),
    "2026-01-01T07:30:00.000Z",
  );
  assert.match(deadline!.command, /^cd \/\S+ && deno task deadline:check$/);
});

Deno.test("deploy/ systemd units run deno task etl --trigger systemd from a daily 07:00 timer", async (t) => {
  const unit = async (name: string) => {
    const sections: Record<string, Record<string, string[]>> = {};
    let current = "";
    for (const raw of (await Deno.readTextFile(`${DEPLOY}/${name}`)).split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
      const header = /^\[(.+)\]$/.exec(line);
      if (header) {
        current = header[1]!;
        sections[current] = {};
        continue;
      }
      const [key, ...value] = line.split("=");
      (sections[current]![key!.trim()] ??= []).push(value.join("=").trim());
    }
    return sections;
  };
  await t.step("anime-etl.service runs the ETL, then the dashboard", async () => {
    const service = await unit("anime-etl.service");
    assert.deepEqual(service.Service?.ExecStart, ["deno task etl --trigger systemd"]);
    assert.deepEqual(service.Service?.ExecStartPost, ["deno task dashboard"]);
    assert.deepEqual(service.Service?.Type, ["oneshot"]);
  });
  await t.step("anime-etl.timer fires daily at 07:00 and catches up (Persistent)", async () => {
    const timer = await unit("anime-etl.timer");
    assert.deepEqual(timer.Timer?.OnCalendar, ["*-*-* 07:00:00 UTC"]);
    assert.deepEqual(timer.Timer?.Persistent, ["true"]);
    assert.deepEqual(timer.Timer?.Unit, ["anime-etl.service"]);
    const deadline = await unit("anime-etl-deadline.service");
    assert.deepEqual(deadline.Service?.ExecStart, ["deno task deadline:check"]);
  });
  const analyze = await new Deno.Command("systemd-analyze", { args: ["--version"] }).output()
    .then((output) => output.success).catch(() => false);
  await t.step({
    name: "systemd-analyze verifies the units and the calendar expression",
    ignore: !analyze,
    fn: async () => {
      const verify = await new Deno.Command("systemd-analyze", {
        args: [
          "verify",
          "--man=no",
          ...["anime-etl", "anime-etl-deadline"].flatMap((name) => [
            `${DEPLOY}/${name}.service`,
            `${DEPLOY}/${name}.timer`,
          ]),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const messages = new TextDecoder().decode(verify.stderr);
      assert.ok(verify.success, messages);
      assert.equal(messages.trim(), "");
      const calendar = await new Deno.Command("systemd-analyze", {
        args: ["calendar", "*-*-* 07:00:00 UTC"],
        stdout: "piped",
      }).output();
      assert.match(
        new TextDecoder().decode(calendar.stdout),
        /Normalized form: \*-\*-\* 07:00:00 UTC/,
      );
    },
  });
});

Deno.test("deploy/airflow DAG is valid Python that runs deno task etl --trigger airflow at 0 7 * * *", async () => {
  const path = `${DEPLOY}/airflow/anime_etl_dag.py`;
  // Parsed by Python itself; the printed facts come from its syntax tree, not from regexes.
  const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
facts = {"schedule": None, "bash": [], "flows": []}
for node in ast.walk(tree):
    if isinstance(node, ast.keyword) and node.arg == "schedule":
        facts["schedule"] = ast.literal_eval(node.value)
    if isinstance(node, ast.keyword) and node.arg == "bash_command":
        facts["bash"].append(ast.literal_eval(node.value))
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp):
        facts["flows"].append(ast.unparse(node.value))
print(json.dumps(facts))
`;
  const output = await new Deno.Command("python3", {
    args: ["-c", script, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const facts = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.equal(facts.schedule, "0 7 * * *");
  assertDailyAtSeven(createCronSchedule(facts.schedule, "UTC"));
  assert.deepEqual(facts.bash, [
    "deno task etl --trigger airflow",
    "deno task dashboard",
    "deno task deadline:check",
  ]);
  assert.deepEqual(facts.flows, ["etl >> dashboard >> deadline_check"]);
});
