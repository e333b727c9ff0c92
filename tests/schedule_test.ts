// Tests of scheduling: settings, the scheduler's rules under an injected clock, deadline checks in a
// real PostgreSQL, `deno task schedule` and `deadline:check` as subprocesses, and the deploy/ examples.
import assert from "node:assert/strict";
import { PipelineError } from "../lib/errors.ts";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { migrate } from "../lib/db/migrate.ts";
import { checkDeadline } from "../lib/schedule/check_deadline.ts";
import { createCronSchedule, type CronSchedule } from "../lib/calendar/cron_schedule.ts";
import { dashboardStatus } from "../lib/dashboard/dashboard_status.ts";
import { checkScheduleFit } from "../lib/calendar/check_schedule_fit.ts";
import { chooseDeadline } from "../lib/schedule/choose_deadline.ts";
import { deadlineSchedule } from "../lib/calendar/deadline_schedule.ts";
import { type DeadlineWindow, deadlineWindow } from "../lib/schedule/deadline_window.ts";
import { decideCatchUp } from "../lib/schedule/decide_catch_up.ts";
import { readRunHistory } from "../lib/schedule/read_run_history.ts";
import { readRunsSignature } from "../lib/schedule/read_runs_signature.ts";
import { resolveScheduleSettings, SCHEDULE_DEFAULTS } from "../lib/config/schedule_settings.ts";
import { formatWait } from "../lib/calendar/format_wait.ts";
import { type DeadlineStatus, judgeDeadline } from "../lib/schedule/judge_deadline.ts";
import {
  type RunResult,
  Scheduler,
  type SchedulerClock,
  type TriggerKind,
  type UnrecordedFailure,
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
import { uploadGenerated } from "./helpers/uploads.ts";

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
  /** The clock's now at each deadline check. */
  checkedAt: Date[];
  dashboards: number;
}

function harness(options: {
  start: string;
  cron?: CronSchedule;
  deadline?: string;
  runs?: number;
  lastStartedAt?: Date;
  runEtl?: (trigger: TriggerKind, n: number) => Promise<RunResult>;
  deadlineStatus?: DeadlineStatus | ((window: DeadlineWindow, now: Date) => DeadlineStatus);
  expectedSeconds?: number;
  retry?: { attempts: number; baseDelayMs: number };
  recordFailure?: (failure: UnrecordedFailure) => Promise<number | undefined>;
  /** What readRunsSignature returns; default a count of runs started. */
  signature?: () => string;
}): Harness {
  const clock = new FakeClock(options.start);
  const cron = options.cron ?? createCronSchedule("0 6 * * *", "UTC");
  const state: Harness = {
    scheduler: undefined as unknown as Scheduler,
    clock,
    log: [],
    triggers: [],
    deadlines: [],
    checkedAt: [],
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
    readExpectedRun: () =>
      Promise.resolve({
        seconds: options.expectedSeconds ?? 300,
        basis: `${formatWait((options.expectedSeconds ?? 300) * 1000)}, the longest recent run`,
      }),
    checkDeadline: (window, { now }) => {
      state.deadlines.push(window);
      state.checkedAt.push(now);
      const status = typeof options.deadlineStatus === "function"
        ? options.deadlineStatus(window, now)
        : options.deadlineStatus ?? "met";
      return Promise.resolve({ status, detail: status === "met" ? "run 1 succeeded" : "none" });
    },
    recordFailure: options.recordFailure ?? (() => Promise.resolve(undefined)),
    ...(options.retry ? { retry: options.retry } : {}),
    refreshDashboard: () => {
      state.dashboards++;
      return Promise.resolve();
    },
    readRunsSignature: () => Promise.resolve(options.signature?.() ?? String(signature)),
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

Deno.test("deadlineWindow: which deadline is due and which runs count for it", async (t) => {
  const cases = [
    [
      "defaults (06:00, 07:00), after the deadline: the 06:00 run counts, until the next 06:00",
      "0 6 * * *",
      "07:00",
      "UTC",
      "2026-05-02T07:30:00Z",
      ["2026-05-02T07:00:00.000Z", "2026-05-02T06:00:00.000Z", "2026-05-03T06:00:00.000Z"],
    ],
    [
      "defaults, before today's deadline: yesterday's is due",
      "0 6 * * *",
      "07:00",
      "UTC",
      "2026-05-02T06:30:00Z",
      ["2026-05-01T07:00:00.000Z", "2026-05-01T06:00:00.000Z", "2026-05-02T06:00:00.000Z"],
    ],
    [
      "every 10 minutes: the trigger at the deadline cannot meet it, the 06:50 one can",
      "*/10 * * * *",
      "07:00",
      "UTC",
      "2026-05-02T07:00:00Z",
      ["2026-05-02T07:00:00.000Z", "2026-05-02T06:50:00.000Z", "2026-05-02T07:00:00.000Z"],
    ],
    [
      "Berlin summer time",
      "0 6 * * *",
      "07:00",
      "Europe/Berlin",
      "2026-07-01T12:00:00Z",
      ["2026-07-01T05:00:00.000Z", "2026-07-01T04:00:00.000Z", "2026-07-02T04:00:00.000Z"],
    ],
    [
      "weekly trigger: the window opens on Monday and lasts until the next Monday",
      "0 6 * * 1",
      "07:00",
      "UTC",
      "2026-05-07T08:00:00Z",
      ["2026-05-07T07:00:00.000Z", "2026-05-04T06:00:00.000Z", "2026-05-11T06:00:00.000Z"],
    ],
  ] as const;
  for (const [name, cron, deadline, zone, now, [dueAt, windowStart, windowEnd]] of cases) {
    await t.step(name, () => {
      const window = deadlineWindow(at(now), {
        cron: createCronSchedule(cron, zone),
        deadline: deadlineSchedule(deadline, zone),
      });
      assert.deepEqual(
        [
          window.dueAt.toISOString(),
          window.windowStart.toISOString(),
          window.windowEnd.toISOString(),
        ],
        [dueAt, windowStart, windowEnd],
      );
    });
  }
});

Deno.test("checkScheduleFit: a trigger only at the deadline cannot be on time", async (t) => {
  const now = at("2026-05-02T12:00:00Z");
  const cases = [
    ["0 7 * * *", "07:00", "UTC", "2026-05-03T07:00:00.000Z", undefined],
    ["0 7 * * 1", "07:00", "UTC", "2026-05-04T07:00:00.000Z", "2026-04-27T07:00:00.000Z"],
    ["0 6 * * *", "07:00", "UTC", undefined, undefined],
    ["*/10 * * * *", "07:00", "UTC", undefined, undefined],
    ["0 */6 * * *", "07:00", "Europe/Berlin", undefined, undefined],
    ["30 6 * * *", "06:00", "UTC", undefined, "2026-05-02T06:30:00.000Z"],
    ["0 6 * * 1", "07:00", "UTC", undefined, "2026-04-27T06:00:00.000Z"],
  ] as const;
  for (const [cron, deadline, zone, problem, wideFrom] of cases) {
    await t.step(`${cron} with ${deadline} in ${zone}`, () => {
      const fit = checkScheduleFit(now, {
        cron: createCronSchedule(cron, zone),
        deadline: deadlineSchedule(deadline, zone),
      });
      assert.equal(fit.problem?.deadlineAt.toISOString(), problem);
      assert.equal(fit.wide?.windowStart.toISOString(), wideFrom);
    });
  }
});

Deno.test("resolveScheduleSettings: env over file over default; errors name the key", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "schedule-settings-" });
  const now = at("2026-05-02T12:00:00Z");
  const write = async (body: string) => {
    const path = `${dir}/credentials.cfg`;
    await Deno.writeTextFile(path, `[S3]\nREGION = x\n\n[SCHEDULE]\n${body}\n`, { mode: 0o600 });
    return path;
  };
  try {
    await t.step("defaults without a file: the trigger an hour before the deadline", async () => {
      assert.deepEqual(
        await resolveScheduleSettings({ configPath: `${dir}/missing.cfg`, env: {}, now }),
        {
          cron: "0 6 * * *",
          timeZone: "UTC",
          deadline: "07:00",
          retryAttempts: 3,
          retryDelaySeconds: 120,
        },
      );
    });
    await t.step("from the file, a # in a cron value kept as configparser does", async () => {
      const path = await write(
        "CRON = 0 6 * * 1#1\nTIMEZONE = Europe/Berlin\nDEADLINE = 6:30\nRETRY_ATTEMPTS = 0\nRETRY_DELAY_SECONDS = 30",
      );
      assert.deepEqual(await resolveScheduleSettings({ configPath: path, env: {}, now }), {
        cron: "0 6 * * 1#1",
        timeZone: "Europe/Berlin",
        deadline: "6:30",
        retryAttempts: 0,
        retryDelaySeconds: 30,
      });
    });
    await t.step("environment variables win", async () => {
      const path = await write("CRON = 0 6 * * *\nTIMEZONE = Europe/Berlin");
      assert.deepEqual(
        await resolveScheduleSettings({
          configPath: path,
          now,
          env: {
            ETL_SCHEDULE_CRON: "*/5 * * * *",
            ETL_SCHEDULE_DEADLINE: "08:15",
            ETL_SCHEDULE_RETRY_ATTEMPTS: "5",
            ETL_SCHEDULE_RETRY_DELAY_SECONDS: "60",
          },
        }),
        {
          cron: "*/5 * * * *",
          timeZone: "Europe/Berlin",
          deadline: "08:15",
          retryAttempts: 5,
          retryDelaySeconds: 60,
        },
      );
    });
    await t.step(
      "a window wider than 12 hours is accepted with a warning naming both",
      async () => {
        const path = await write("CRON = 30 6 * * *\nDEADLINE = 06:00");
        const warnings: string[] = [];
        await resolveScheduleSettings({
          configPath: path,
          env: {},
          now,
          warn: (line) => warnings.push(line),
        });
        assert.deepEqual(warnings, [
          'schedule:warning the deadline 2026-05-03 06:00 UTC is served by the trigger at 2026-05-02 06:30 UTC, 23 h 30 min before it (SCHEDULE.CRON "30 6 * * *", SCHEDULE.DEADLINE "06:00"): the data can be that old at the deadline; a trigger shortly before it keeps it fresher',
        ]);
      },
    );
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
        "CRON = 0 7 30 2 *",
        {},
        `Invalid setting SCHEDULE.CRON (from "${dir}/credentials.cfg"): "0 7 30 2 *" has no trigger in the next year, so the scheduler would never run`,
      ],
      [
        "CRON = 0 5 29 2 *",
        {},
        `Invalid setting SCHEDULE.CRON (from "${dir}/credentials.cfg"): "0 5 29 2 *" has no trigger in the next year (the next one is 2028-02-29 05:00 UTC), so the scheduler would never run`,
      ],
      [
        "CRON = 0 7 * * *",
        {},
        `Invalid settings SCHEDULE.CRON "0 7 * * *" (from "${dir}/credentials.cfg") and SCHEDULE.DEADLINE "07:00" (from default): the trigger at 2026-05-03 07:00 UTC is not before the deadline, so the run it starts can never finish by it; trigger before the deadline (e.g. CRON = 0 6 * * *) or move the deadline later`,
      ],
      [
        "",
        { ETL_SCHEDULE_DEADLINE: "06:00" },
        `Invalid settings SCHEDULE.CRON "0 6 * * *" (from default) and SCHEDULE.DEADLINE "06:00" (from environment variable ETL_SCHEDULE_DEADLINE): the trigger at 2026-05-03 06:00 UTC is not before the deadline, so the run it starts can never finish by it; trigger before the deadline (e.g. CRON = 0 5 * * *) or move the deadline later`,
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
      [
        "RETRY_ATTEMPTS = many",
        {},
        `Invalid setting SCHEDULE.RETRY_ATTEMPTS (from "${dir}/credentials.cfg"): expected a whole number from 0 to 10, got "many"`,
      ],
      [
        "",
        { ETL_SCHEDULE_RETRY_DELAY_SECONDS: "0" },
        `Invalid setting SCHEDULE.RETRY_DELAY_SECONDS (from environment variable ETL_SCHEDULE_RETRY_DELAY_SECONDS): expected a whole number from 1 to 3600, got "0"`,
      ],
    ] as const;
    for (const [body, env, message] of invalid) {
      await t.step(`rejects ${body || JSON.stringify(env)}`, async () => {
        const path = await write(body);
        await assert.rejects(
          resolveScheduleSettings({ configPath: path, env, now }),
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

Deno.test("judgeDeadline: met only for a run that finished by the deadline", async (t) => {
  const window = {
    dueAt: at("2026-12-01T07:00:00Z"),
    windowStart: at("2026-12-01T06:00:00Z"),
    windowEnd: at("2026-12-02T06:00:00Z"),
  };
  const run = (
    status: string,
    started: string,
    finished: string | null,
    error: string | null = null,
  ) => ({
    run_id: 4,
    status,
    trigger: "schedule",
    started_at: at(started),
    finished_at: finished ? at(finished) : null,
    error,
  });
  const after = at("2026-12-01T21:00:00Z");
  const cases = [
    {
      name: "succeeded at 06:04: met",
      run: run("succeeded", "2026-12-01T06:00:00Z", "2026-12-01T06:04:10Z"),
      now: after,
      status: "met",
      detail:
        "run 4 succeeded at 2026-12-01T06:04:10Z (trigger schedule, started 2026-12-01T06:00:00Z)",
    },
    {
      name: "exactly at the deadline: met",
      run: run("skipped", "2026-12-01T06:59:00Z", "2026-12-01T07:00:00Z"),
      now: after,
      status: "met",
      detail:
        "run 4 skipped at 2026-12-01T07:00:00Z (trigger schedule, started 2026-12-01T06:59:00Z)",
    },
    {
      name: "the issue's 20:31: late by 13 h 31 min",
      run: run("succeeded", "2026-12-01T20:30:00Z", "2026-12-01T20:31:16Z"),
      now: after,
      status: "late",
      lateSeconds: 48_676,
      detail:
        "run 4 succeeded at 2026-12-01T20:31:16Z, 13 h 31 min after the deadline (trigger schedule, started 2026-12-01T20:30:00Z)",
    },
    {
      name: "no run: missed",
      run: undefined,
      now: after,
      status: "missed",
      detail: "no run started since 2026-12-01T06:00:00Z",
    },
    {
      name: "a failed run: missed, naming it",
      run: run("failed", "2026-12-01T06:00:00Z", "2026-12-01T06:01:00Z", "SOURCE_DENIED: no"),
      now: after,
      status: "missed",
      detail:
        "no run succeeded since 2026-12-01T06:00:00Z; run 4 (trigger schedule) failed: SOURCE_DENIED: no",
    },
    {
      name: "checked early with a run still going: at risk",
      run: run("running", "2026-12-01T06:00:00Z", null),
      now: at("2026-12-01T06:50:00Z"),
      status: "at_risk",
      detail:
        "10 min before the deadline, no run succeeded since 2026-12-01T06:00:00Z; run 4 (trigger schedule) is still running (started 2026-12-01T06:00:00Z); a run takes 12 min, so one had to start by 2026-12-01T06:48:00Z to finish in time",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const verdict = judgeDeadline({
        window,
        run: c.run,
        now: c.now,
        expected: { seconds: 720, basis: "12 min" },
      });
      assert.equal(verdict.status, c.status);
      assert.equal(verdict.detail, c.detail);
      assert.equal(verdict.lateSeconds, c.lateSeconds);
    });
  }
});

Deno.test("chooseDeadline: the next deadline is checked early from its at-risk instant on", () => {
  const options = {
    cron: createCronSchedule("0 6 * * *", "UTC"),
    deadline: deadlineSchedule("07:00", "UTC"),
    expectedSeconds: 720,
  };
  const pick = (iso: string) => {
    const choice = chooseDeadline(at(iso), options);
    return [choice.window.dueAt.toISOString(), choice.early, choice.riskAt?.toISOString()];
  };
  assert.deepEqual(pick("2026-12-01T06:47:59Z"), [
    "2026-11-30T07:00:00.000Z",
    false,
    "2026-12-01T06:48:00.000Z",
  ]);
  assert.deepEqual(pick("2026-12-01T06:48:00Z"), [
    "2026-12-01T07:00:00.000Z",
    true,
    "2026-12-01T06:48:00.000Z",
  ]);
  assert.deepEqual(pick("2026-12-01T07:00:00Z"), [
    "2026-12-01T07:00:00.000Z",
    false,
    "2026-12-02T06:48:00.000Z",
  ]);
});

Deno.test("dashboardStatus uses the deadline's words: late, missed, at risk", async (t) => {
  const freshness = (confirmed: { started: string; finished: string } | null) => ({
    generated_at: at("2026-12-01T21:00:00Z"),
    published_run_id: 3,
    published_at: at("2026-11-30T06:04:00Z"),
    published_age_seconds: 3600,
    confirmed_run_id: confirmed ? 4 : 3,
    confirmed_status: "succeeded",
    confirmed_started_at: at(confirmed?.started ?? "2026-11-30T06:00:00Z"),
    confirmed_at: at(confirmed?.finished ?? "2026-11-30T06:04:00Z"),
    confirmed_age_seconds: 60,
    last_run_id: 4,
    last_status: "succeeded",
    last_trigger: "manual",
    last_started_at: null,
    last_finished_at: null,
    last_error: null,
  });
  const check = (status: string, extra: Record<string, unknown> = {}) => ({
    check_id: 9,
    checked_at: at("2026-12-01T07:05:00Z"),
    deadline_at: at("2026-12-01T07:00:00Z"),
    window_start: at("2026-12-01T06:00:00Z"),
    status,
    run_id: null,
    run_finished_at: null,
    detail: "the detail",
    ...extra,
  });
  const cron = createCronSchedule("0 6 * * *", "UTC");
  const cases = [
    [
      "missed, nothing since",
      null,
      check("missed"),
      "missed",
      "Deadline missed",
      "deadline 2026-12-01 07:00 UTC: \u2068the detail\u2069",
    ],
    [
      "missed, then a run of the window finished at 20:31: late",
      { started: "2026-12-01T20:30:00Z", finished: "2026-12-01T20:31:16Z" },
      check("missed"),
      "late",
      "Deadline late",
      "deadline 2026-12-01 07:00 UTC: run 4 succeeded at 2026-12-01 20:31 UTC, 13 h 31 min after the deadline",
    ],
    [
      "recorded late",
      { started: "2026-12-01T20:30:00Z", finished: "2026-12-01T20:31:16Z" },
      check("late", {
        run_finished_at: at("2026-12-01T20:31:16Z"),
        detail: "run 4 succeeded late",
      }),
      "late",
      "Deadline late",
      "deadline 2026-12-01 07:00 UTC: \u2068run 4 succeeded late\u2069",
    ],
    [
      "at risk",
      null,
      check("at_risk", { checked_at: at("2026-12-01T06:50:00Z") }),
      "at_risk",
      "Deadline at risk",
      "deadline 2026-12-01 07:00 UTC: \u2068the detail\u2069",
    ],
  ] as const;
  for (const [name, confirmed, latest, state, headline, detail] of cases) {
    await t.step(name, () => {
      const status = dashboardStatus(
        { freshness: freshness(confirmed), deadlineChecks: [latest] },
        cron,
      );
      assert.deepEqual(status, { state, headline, detail });
    });
  }
  await t.step("met: up to date, with absolute times beside the ages", () => {
    const status = dashboardStatus({
      freshness: freshness({ started: "2026-12-01T06:00:00Z", finished: "2026-12-01T06:04:00Z" }),
      deadlineChecks: [check("met")],
    }, cron);
    assert.equal(status.state, "current");
    assert.equal(
      status.detail,
      "published by run 3 at 2026-11-30 06:04 UTC (1 h ago at writing); sources last confirmed by run 4 (succeeded) at 2026-12-01 06:04 UTC (1 min ago at writing)",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The scheduler under an injected clock.

Deno.test("Scheduler prints the next trigger and catches up after downtime", async () => {
  const h = harness({
    start: "2026-05-02T09:00:00Z",
    cron: createCronSchedule("0 7 * * *", "UTC"),
    deadline: "08:00",
    lastStartedAt: at("2026-05-01T07:00:02Z"),
  });
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

Deno.test("Scheduler reports the export after a run on a line of its own", async () => {
  const h = harness({
    start: "2026-05-02T09:00:00Z",
    cron: createCronSchedule("0 7 * * *", "UTC"),
    deadline: "08:00",
    lastStartedAt: at("2026-05-01T07:00:02Z"),
    runEtl: () =>
      Promise.resolve({
        runId: 4,
        status: "succeeded",
        seconds: 2,
        export: {
          status: "failed",
          runId: 4,
          location: "/exports/run=4",
          files: 0,
          interactionRows: 0,
          animeRows: 0,
          bytes: 0,
          seconds: 0.5,
          error: { code: "EXPORT_TARGET", message: "Cannot create /exports: Permission denied" },
        },
      }),
  });
  const result = await h.scheduler.runOnce();
  // A failed export does not make the run fail: no retry, the dashboard refreshed.
  assert.equal(result?.outcome, "succeeded");
  assert.deepEqual(h.triggers, ["catch-up"]);
  assert.deepEqual(h.log.slice(-2), [
    "schedule:run run 4 succeeded in 2.0 s (catch-up for 2026-05-02 07:00 UTC)",
    "schedule:export export run 4: failed in 0.5 s: /exports/run=4: EXPORT_TARGET: Cannot create /exports: Permission denied",
  ]);
});

Deno.test("Scheduler does not catch up when a run already happened", async () => {
  const h = harness({
    start: "2026-05-02T09:00:00Z",
    cron: createCronSchedule("0 7 * * *", "UTC"),
    deadline: "08:00",
    lastStartedAt: at("2026-05-02T07:00:01Z"),
  });
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
  assert.equal(h.dashboards, 3, "on start, after the successful run and after the failed one");
  assert.equal(h.log.at(-1), "schedule:stopped");
});

Deno.test("Scheduler starts once a run that holds the lock ends, and counts it for the trigger", async (t) => {
  const locked = () =>
    Promise.reject(
      new PipelineError(
        "RUN_LOCKED",
        "Cannot start a run: another run is in progress (run 41, started 2026-05-02T05:59:00.000Z); try again when it has finished",
        { stage: "load" },
      ),
    );
  await t.step(
    "the run started just before the trigger ends: the trigger's run follows",
    async () => {
      const h = harness({
        start: "2026-05-02T06:00:00Z",
        runEtl: (_trigger, n) =>
          n <= 2 ? locked() : Promise.resolve({ runId: 43, status: "skipped", seconds: 0.2 }),
      });
      const result = h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
      assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T06:00:10.000Z");
      h.clock.advanceTo("2026-05-02T06:00:10Z");
      assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T06:00:20.000Z");
      h.clock.advanceTo("2026-05-02T06:00:20Z");
      const done = await result;
      assert.equal(done.outcome, "skipped");
      assert.deepEqual(h.triggers, ["schedule", "schedule", "schedule"]);
      assert.deepEqual(h.log.filter((line) => line.startsWith("schedule:locked")), [
        "schedule:locked schedule trigger for 2026-05-02 06:00 UTC: Cannot start a run: another run is in progress (run 41, started 2026-05-02T05:59:00.000Z); try again when it has finished; starting once it ends (trying every 10 s)",
      ]);
      assert.ok(
        h.log.includes("schedule:run run 43 skipped in 0.2 s (schedule for 2026-05-02 06:00 UTC)"),
      );
    },
  );
  await t.step("a lock held until the next trigger: reported locked, no retry", async () => {
    const h = harness({
      start: "2026-05-02T06:00:00Z",
      cron: createCronSchedule("* * * * *", "UTC"),
      deadline: "23:00",
      runEtl: locked,
    });
    const result = h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
    for (let second = 10; second < 60; second += 10) {
      await h.clock.sleeping();
      h.clock.advanceTo(`2026-05-02T06:00:${second}Z`);
    }
    const done = await result;
    assert.equal(done.outcome, "locked");
    assert.equal(h.triggers.length, 6, "at 06:00:00, :10, :20, :30, :40 and :50");
    assert.match(
      h.log.at(-1)!,
      /^schedule:retry-none schedule for 2026-05-02 06:00 UTC: a retry at /,
    );
  });
});

Deno.test("Scheduler retries a transient failure with backoff while a retry can finish by the deadline", async () => {
  const failures: string[] = [];
  const late: { clock?: FakeClock } = {};
  const h = harness({
    start: "2026-05-02T06:00:00Z",
    expectedSeconds: 900,
    retry: { attempts: 5, baseDelayMs: 120_000 },
    runEtl: (_trigger, n) => {
      // Every attempt takes 15 minutes and cannot read S3.
      const clock = late.clock!;
      clock.advanceTo(new Date(clock.now().getTime() + 900_000).toISOString());
      failures.push(clock.now().toISOString());
      return Promise.resolve({
        runId: n,
        status: "failed",
        seconds: 900,
        error: { code: "SOURCE_UNREADABLE", message: 'Cannot read "b/anime.csv": 8 attempts' },
      });
    },
  });
  late.clock = h.clock;
  const result = h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
  for (const retryAt of ["2026-05-02T06:17:00.000Z", "2026-05-02T06:36:00.000Z"]) {
    assert.equal((await h.clock.sleeping()).toISOString(), retryAt);
    h.clock.advanceTo(retryAt);
  }
  const done = await result;
  assert.equal(done.outcome, "failed");
  assert.equal(done.attempts, 3);
  assert.deepEqual(h.triggers, ["schedule", "retry", "retry"]);
  assert.deepEqual(failures, [
    "2026-05-02T06:15:00.000Z",
    "2026-05-02T06:32:00.000Z",
    "2026-05-02T06:51:00.000Z",
  ]);
  assert.deepEqual(h.log.filter((line) => line.startsWith("schedule:retry")), [
    "schedule:retry 1 of 5 for 2026-05-02 06:00 UTC at 2026-05-02 06:17 UTC, in 2 min (SOURCE_UNREADABLE; a run takes 15 min, the longest recent run)",
    "schedule:retry 2 of 5 for 2026-05-02 06:00 UTC at 2026-05-02 06:36 UTC, in 4 min (SOURCE_UNREADABLE; a run takes 15 min, the longest recent run)",
    "schedule:retry-none schedule for 2026-05-02 06:00 UTC: a retry at 2026-05-02T06:59:00Z would finish around 2026-05-02T07:14:00Z, after the deadline 2026-05-02 07:00 UTC",
  ]);
  assert.equal(h.dashboards, 3, "the dashboard shows every failed attempt");
});

Deno.test("Scheduler retries at most RETRY_ATTEMPTS times, and never a terminal failure", async (t) => {
  const failing = (code: string) => (_trigger: TriggerKind, n: number) =>
    Promise.resolve<RunResult>({
      runId: n,
      status: "failed",
      seconds: 1,
      error: { code, message: "x" },
    });
  await t.step("three retries by default (2, 4, 8 min), then it gives up", async () => {
    const h = harness({
      start: "2026-05-02T06:00:00Z",
      retry: { attempts: 3, baseDelayMs: 120_000 },
      runEtl: failing("DB_UNREACHABLE"),
    });
    const result = h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
    for (const retryAt of ["06:02", "06:06", "06:14"]) {
      assert.equal((await h.clock.sleeping()).toISOString(), `2026-05-02T${retryAt}:00.000Z`);
      h.clock.advanceTo(`2026-05-02T${retryAt}:00Z`);
    }
    assert.equal((await result).attempts, 4);
    assert.deepEqual(h.triggers, ["schedule", "retry", "retry", "retry"]);
    assert.equal(
      h.log.at(-1),
      "schedule:retry-none schedule for 2026-05-02 06:00 UTC: gave up after 3 retries (SCHEDULE.RETRY_ATTEMPTS)",
    );
  });
  for (
    const code of [
      "REJECT_THRESHOLD",
      "QUALITY_FAILED",
      "SOURCE_MISSING",
      "CONFIG_INVALID",
      "INTERRUPTED",
    ]
  ) {
    await t.step(`${code} is not retried`, async () => {
      const h = harness({ start: "2026-05-02T06:00:00Z", runEtl: failing(code) });
      const result = await h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
      assert.equal(result.attempts, 1);
      assert.deepEqual(h.triggers, ["schedule"]);
      assert.equal(
        h.log.at(-1),
        `schedule:retry-none schedule for 2026-05-02 06:00 UTC: ${code} is not transient, so a retry would fail again`,
      );
    });
  }
  await t.step("a catch-up after the deadline retries until the next trigger", async () => {
    const h = harness({
      start: "2026-05-02T09:00:00Z",
      expectedSeconds: 600,
      runEtl: failing("SOURCE_UNREADABLE"),
    });
    const result = h.scheduler.trigger("catch-up", at("2026-05-02T06:00:00Z"));
    // Past the 07:00 deadline a late refresh still beats none: the retry is planned.
    assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T09:02:00.000Z");
    h.clock.advanceTo("2026-05-03T05:50:00Z"); // the retry ran late and failed at 05:50
    await result;
    assert.equal(
      h.log.at(-1),
      "schedule:retry-none catch-up for 2026-05-02 06:00 UTC: a retry at 2026-05-03T05:54:00Z would finish around 2026-05-03T06:04:00Z, after the next trigger 2026-05-03 06:00 UTC",
    );
  });
});

Deno.test("Scheduler records a failure the database missed once it is back, and retries", async () => {
  const recorded: UnrecordedFailure[] = [];
  let recordCalls = 0;
  const unreachable = new PipelineError(
    "DB_UNREACHABLE",
    'Cannot connect to PostgreSQL at 127.0.0.1:5 database "anime" as "etl": connect ECONNREFUSED',
    { stage: "load" },
  );
  const h = harness({
    start: "2026-05-02T06:00:00Z",
    runEtl: (_trigger, n) =>
      n <= 2
        ? Promise.reject(unreachable)
        : Promise.resolve({ runId: 9, status: "succeeded", seconds: 30 }),
    recordFailure: (failure) => {
      if (++recordCalls === 1) return Promise.reject(new Error("ECONNREFUSED"));
      recorded.push(failure);
      return Promise.resolve(100 + recorded.length);
    },
  });
  const result = h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T06:02:00Z");
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T06:06:00Z");
  assert.equal((await result).outcome, "succeeded");
  assert.deepEqual(h.triggers, ["schedule", "retry", "retry"]);
  assert.deepEqual(
    recorded.map((failure) => [failure.trigger, failure.startedAt.toISOString(), failure.runId]),
    [["schedule", "2026-05-02T06:00:00.000Z", undefined], [
      "retry",
      "2026-05-02T06:02:00.000Z",
      undefined,
    ]],
  );
  assert.equal(recorded[0]!.error, `DB_UNREACHABLE: ${unreachable.message}`);
  assert.deepEqual(h.log.filter((line) => line.startsWith("schedule:recorded")), [
    `schedule:recorded run 101 failed (schedule attempt at 2026-05-02 06:00 UTC) once the database was back: DB_UNREACHABLE: ${unreachable.message}`,
    `schedule:recorded run 102 failed (retry attempt at 2026-05-02 06:02 UTC) once the database was back: DB_UNREACHABLE: ${unreachable.message}`,
  ]);
  assert.deepEqual(h.log.filter((line) => line.startsWith("schedule:record-pending")), [
    "schedule:record-pending 1 failed attempt(s) not recorded yet: ECONNREFUSED",
  ]);
  assert.equal(h.scheduler.unrecorded.length, 0);
});

Deno.test("Scheduler records a failed run whose last update the database missed", async () => {
  const recorded: UnrecordedFailure[] = [];
  const h = harness({
    start: "2026-05-02T06:00:00Z",
    runEtl: (_trigger, n) =>
      Promise.resolve(
        n === 1
          ? {
            runId: 7,
            status: "failed",
            seconds: 12,
            error: { code: "DB_UNREACHABLE", message: "Cannot finish run 7: lost the connection" },
          }
          : { runId: 8, status: "succeeded", seconds: 30 },
      ),
    // The run's own update of etl.runs was lost: the row is still 'running', and gets updated.
    recordFailure: (failure) => {
      recorded.push(failure);
      return Promise.resolve(failure.runId);
    },
  });
  const result = h.scheduler.trigger("schedule", at("2026-05-02T06:00:00Z"));
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T06:02:00Z");
  assert.equal((await result).outcome, "succeeded");
  assert.deepEqual(recorded.map((failure) => [failure.runId, failure.error]), [
    [7, "DB_UNREACHABLE: Cannot finish run 7: lost the connection"],
  ]);
  assert.ok(h.log.includes(
    "schedule:recorded run 7 failed (schedule attempt at 2026-05-02 06:00 UTC) once the database was back: DB_UNREACHABLE: Cannot finish run 7: lost the connection",
  ));
});

Deno.test("Scheduler warns at risk at the deadline minus the expected run time", async () => {
  const h = harness({
    start: "2026-05-02T06:30:00Z",
    lastStartedAt: at("2026-05-02T06:00:00Z"),
    expectedSeconds: 900,
    deadlineStatus: (window, now) => now < window.dueAt ? "at_risk" : "missed",
  });
  const stop = new AbortController();
  const loop = h.scheduler.run(stop.signal);
  assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T06:45:00.000Z");
  const dashboards = h.dashboards;
  h.clock.advanceTo("2026-05-02T06:45:00Z");
  assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T07:00:00.000Z");
  await h.scheduler.settled();
  assert.deepEqual(h.deadlines.map((w) => w.dueAt.toISOString()), ["2026-05-02T07:00:00.000Z"]);
  assert.deepEqual(h.checkedAt.map((instant) => instant.toISOString()), [
    "2026-05-02T06:45:00.000Z",
  ]);
  assert.ok(h.log.includes("deadline:at_risk deadline 2026-05-02 07:00 UTC: none"));
  assert.equal(h.dashboards, dashboards + 1, "the dashboard shows the warning");
  h.clock.advanceTo("2026-05-02T07:00:00Z");
  await h.clock.sleeping();
  await h.scheduler.settled();
  assert.ok(h.log.includes("deadline:missed deadline 2026-05-02 07:00 UTC: none"));
  // The next day's warning falls at 06:45 again.
  assert.equal((await h.clock.sleeping()).toISOString(), "2026-05-02T07:30:00.000Z");
  stop.abort();
  await loop;
});

Deno.test("Scheduler checks the deadline when a run in progress at it ends, and a missed one again", async () => {
  const run = deferred<RunResult>();
  let late = false;
  let signature = "a";
  const h = harness({
    start: "2026-05-02T05:59:00Z",
    lastStartedAt: at("2026-05-01T06:00:00Z"),
    runEtl: () => run.promise,
    deadlineStatus: (window, now) => now < window.dueAt ? "at_risk" : late ? "late" : "missed",
    signature: () => signature,
  });
  const stop = new AbortController();
  const loop = h.scheduler.run(stop.signal);
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T06:00:00Z");
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T06:55:00Z");
  await h.clock.sleeping();
  await settle();
  assert.deepEqual(h.log.filter((line) => line.startsWith("deadline:")), [
    "deadline:at_risk deadline 2026-05-02 07:00 UTC: none",
  ]);
  h.clock.advanceTo("2026-05-02T07:00:00Z");
  await h.clock.sleeping();
  await settle();
  assert.equal(h.deadlines.length, 1, "the 07:00 check waits for the run in progress");
  h.clock.advanceTo("2026-05-02T07:02:00Z");
  run.resolve({ runId: 9, status: "failed", seconds: 3, error: { code: "X", message: "y" } });
  await h.scheduler.settled();
  assert.deepEqual(h.checkedAt.map((instant) => instant.toISOString()), [
    "2026-05-02T06:55:00.000Z",
    "2026-05-02T07:02:00.000Z",
  ]);
  assert.equal(
    h.log.filter((line) => line.startsWith("deadline:")).at(-1),
    "deadline:missed deadline 2026-05-02 07:00 UTC: none",
  );

  // A manual run succeeds at 09:00: the next look at etl.runs checks the missed deadline again.
  late = true;
  signature = "b";
  h.clock.advanceTo("2026-05-02T09:00:00Z");
  await h.clock.sleeping();
  await h.scheduler.settled();
  assert.equal(
    h.log.filter((line) => line.startsWith("deadline:")).at(-1),
    "deadline:late deadline 2026-05-02 07:00 UTC: none",
  );
  stop.abort();
  await loop;
});

Deno.test("Scheduler: a stop request ends retries and waits for the run; leaving interrupts it", async () => {
  let interrupt: AbortSignal | undefined;
  const run = deferred<RunResult>();
  const h = harness({
    start: "2026-05-02T05:59:00Z",
    lastStartedAt: at("2026-05-01T06:00:00Z"),
    runEtl: (_trigger, _n) => run.promise,
  });
  const stop = new AbortController();
  const leave = new AbortController();
  const scheduler = new Scheduler({
    cron: createCronSchedule("0 6 * * *", "UTC"),
    deadline: deadlineSchedule("07:00", "UTC"),
    clock: h.clock,
    runEtl: (_trigger, signal) => {
      interrupt = signal;
      signal.addEventListener("abort", () =>
        run.resolve({
          runId: 5,
          status: "failed",
          seconds: 1,
          error: { code: "INTERRUPTED", message: "Cannot finish run 5: stopped by SIGTERM" },
        }));
      return run.promise;
    },
    readRunHistory: () => Promise.resolve({ runs: 1, lastStartedAt: at("2026-05-01T06:00:00Z") }),
    readExpectedRun: () => Promise.resolve({ seconds: 60, basis: "1 min" }),
    checkDeadline: () => Promise.resolve({ status: "met", detail: "x" }),
    recordFailure: () => Promise.resolve(undefined),
    refreshDashboard: () => Promise.resolve(),
    readRunsSignature: () => Promise.resolve("s"),
    log: (line) => h.log.push(line),
  });
  const loop = scheduler.run(stop.signal, leave.signal);
  await h.clock.sleeping();
  h.clock.advanceTo("2026-05-02T06:00:00Z");
  await h.clock.sleeping();
  stop.abort();
  await settle();
  assert.equal(interrupt?.aborted, false, "the first request waits for the run");
  assert.ok(scheduler.busy);
  leave.abort();
  await loop;
  assert.ok(h.log.includes(
    "schedule:run run 5 failed in 1.0 s (schedule for 2026-05-02 06:00 UTC): INTERRUPTED: Cannot finish run 5: stopped by SIGTERM",
  ));
  assert.equal(h.log.filter((line) => line.startsWith("schedule:retry")).length, 0);
  assert.equal(h.log.at(-1), "schedule:stopped");
});

Deno.test("Scheduler refreshes the dashboard when another process finished a run", async () => {
  let signature = "a";
  let dashboards = 0;
  const clock = new FakeClock("2026-05-02T10:00:00Z");
  const cron = createCronSchedule("0 6 * * *", "UTC");
  const scheduler = new Scheduler({
    cron,
    deadline: deadlineSchedule("07:00", "UTC"),
    clock,
    runEtl: () => Promise.reject(new Error("not expected")),
    readRunHistory: () => Promise.resolve({ runs: 1, lastStartedAt: at("2026-05-02T06:00:00Z") }),
    readExpectedRun: () => Promise.resolve({ seconds: 60, basis: "1 min" }),
    checkDeadline: () => Promise.reject(new Error("not expected")),
    recordFailure: () => Promise.resolve(undefined),
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
  "run history and deadline checks read etl.runs and leave one marker per deadline",
  async (t) => {
    const db = await freshDatabase("sched");
    const sql = connectTo(db);
    try {
      await migrate(sql);
      const window = {
        dueAt: at("2026-05-02T07:00:00Z"),
        windowStart: at("2026-05-02T06:00:00Z"),
        windowEnd: at("2026-05-03T06:00:00Z"),
      };
      const after = { now: at("2026-05-02T07:05:00Z") };
      const insertRun = (
        started: string,
        status: string,
        trigger: string,
        error: string | null = null,
        seconds = 5,
      ) =>
        sql`insert into etl.runs (started_at, finished_at, status, trigger, error)
          values (${started}, ${
          status === "running" ? null : started
        }::timestamptz + ${seconds} * interval '1 second',
                  ${status}, ${trigger}, ${error})
          returning run_id::int as run_id`;
      const rows = () =>
        sql`select check_id::int as check_id, deadline_at, status, run_id::int as run_id,
                   run_finished_at from etl.deadline_checks order by check_id`;

      await t.step("an empty etl.runs, checked early: at risk", async () => {
        assert.deepEqual(await readRunHistory(sql), { runs: 0, lastStartedAt: undefined });
        const result = await checkDeadline(sql, window, {
          now: at("2026-05-02T06:50:00Z"),
          expected: { seconds: 900, basis: "15 min, the longest of the last 5 successful runs" },
        });
        assert.equal(result.status, "at_risk");
        assert.equal(
          result.detail,
          "10 min before the deadline, no run started since 2026-05-02T06:00:00Z; a run takes 15 min, the longest of the last 5 successful runs, so one had to start by 2026-05-02T06:45:00Z to finish in time",
        );
      });
      await t.step("after the deadline: missed, in the same row", async () => {
        const result = await checkDeadline(sql, window, after);
        assert.equal(result.status, "missed");
        assert.equal(result.detail, "no run started since 2026-05-02T06:00:00Z");
        assert.deepEqual((await rows()).map((row) => [row.check_id, row.status]), [[1, "missed"]]);
      });
      await t.step("abandoned and running runs do not count as having run", async () => {
        await insertRun("2026-05-01T06:00:00Z", "succeeded", "schedule");
        await insertRun(
          "2026-05-02T06:00:00Z",
          "failed",
          "schedule",
          "ABANDONED: the process ended",
        );
        await insertRun("2026-05-02T06:30:00Z", "running", "manual");
        const history = await readRunHistory(sql);
        assert.equal(history.runs, 3);
        assert.equal(history.lastStartedAt?.toISOString(), "2026-05-01T06:00:00.000Z");
      });
      await t.step("a run still running: missed, naming it", async () => {
        const result = await checkDeadline(sql, window, after);
        assert.equal(
          result.detail,
          "no run succeeded since 2026-05-02T06:00:00Z; run 3 (trigger manual) is still running (started 2026-05-02T06:30:00Z)",
        );
      });
      await t.step("a failed run in the window: missed, naming it", async () => {
        await sql`update etl.runs set status = 'failed', finished_at = started_at,
                error = 'SOURCE_MISSING: Cannot find source file' where status = 'running'`;
        const result = await checkDeadline(sql, window, after);
        assert.equal(result.status, "missed");
        assert.equal(
          result.detail,
          "no run succeeded since 2026-05-02T06:00:00Z; run 3 (trigger manual) failed: SOURCE_MISSING: Cannot find source file",
        );
        assert.equal(result.runId, 3);
      });
      await t.step("runs before the window or from the next trigger on do not count", async () => {
        await insertRun("2026-05-02T05:59:00Z", "succeeded", "manual", null, 30);
        await insertRun("2026-05-03T06:00:00Z", "succeeded", "schedule");
        assert.equal((await checkDeadline(sql, window, after)).status, "missed");
      });
      await t.step("a success after the deadline is late, by how much", async () => {
        const [run] = await insertRun("2026-12-01T00:00:00Z", "skipped", "catch-up");
        await sql`update etl.runs set started_at = '2026-05-02T20:30:00Z',
                  finished_at = '2026-05-02T20:31:16Z' where run_id = ${run!.run_id}`;
        const result = await checkDeadline(sql, window, { now: at("2026-05-02T21:00:00Z") });
        assert.equal(result.status, "late");
        assert.equal(result.lateSeconds, 48_676);
        assert.equal(
          result.detail,
          `run ${
            run!.run_id
          } skipped at 2026-05-02T20:31:16Z, 13 h 31 min after the deadline (trigger catch-up, started 2026-05-02T20:30:00Z)`,
        );
        const [row] = await rows();
        assert.equal(row!.run_finished_at.toISOString(), "2026-05-02T20:31:16.000Z");
      });
      await t.step(
        "a success that finished by the deadline meets it, even if it started later",
        async () => {
          const [run] = await insertRun(
            "2026-05-02T06:40:00Z",
            "succeeded",
            "retry",
            null,
            19 * 60,
          );
          const result = await checkDeadline(sql, window, after);
          assert.equal(result.status, "met");
          assert.equal(result.runId, run!.run_id);
          assert.equal(
            result.detail,
            `run ${
              run!.run_id
            } succeeded at 2026-05-02T06:59:00Z (trigger retry, started 2026-05-02T06:40:00Z)`,
          );
        },
      );
      await t.step(
        "two checks at once (two schedulers) leave one row; the signature changes",
        async () => {
          const before = await readRunsSignature(sql);
          const other = connectTo(db);
          try {
            await Promise.all([
              checkDeadline(sql, window, after),
              checkDeadline(other, window, after),
            ]);
          } finally {
            await other.end();
          }
          assert.notEqual(await readRunsSignature(sql), before);
          assert.deepEqual((await rows()).map((row) => [row.check_id, row.status]), [[1, "met"]]);
        },
      );
    } finally {
      await sql.end();
    }
  },
);

Deno.test(
  "migration 000004 keeps the latest check per deadline and re-judges old met rows",
  async () => {
    const db = await freshDatabase("migr");
    const sql = connectTo(db);
    try {
      await sql.unsafe(await Deno.readTextFile(`${ROOT}sql/migrations/000000_bootstrap.sql`));
      // Every migration before 000004, so that it is the only one pending.
      for (const name of ["000001_run_log", "000002_deadline_checks", "000003_line_accounting"]) {
        await sql.unsafe(await Deno.readTextFile(`${ROOT}sql/migrations/${name}.sql`));
        await sql`insert into etl.schema_migrations (version, name) values (${
          Number(name.slice(0, 6))
        }, ${name + ".sql"})`;
      }
      // The case: a run that finished at 20:31 was recorded as met by the old rule.
      await sql`insert into etl.runs (started_at, finished_at, status, trigger)
              values ('2026-12-01T20:30:00Z', '2026-12-01T20:31:16Z', 'succeeded', 'manual'),
                     ('2026-12-02T06:00:00Z', '2026-12-02T06:04:00Z', 'succeeded', 'schedule')`;
      await sql`insert into etl.deadline_checks (deadline_at, window_start, status, run_id, detail)
              values ('2026-12-01T07:00:00Z', '2026-12-01T07:00:00Z', 'missed', null, 'none'),
                     ('2026-12-01T07:00:00Z', '2026-12-01T07:00:00Z', 'met', 1, 'run 1'),
                     ('2026-12-02T07:00:00Z', '2026-12-02T06:00:00Z', 'met', 2, 'run 2')`;
      // 000004 runs first; later migrations (000006_exports, ...) follow it.
      assert.equal((await migrate(sql))[0], "000004_deadline_finish");
      const rows = await sql`select deadline_at, status, run_finished_at from etl.deadline_checks
                           order by deadline_at`;
      assert.deepEqual(
        rows.map((
          row,
        ) => [row.deadline_at.toISOString(), row.status, row.run_finished_at?.toISOString()]),
        [
          ["2026-12-01T07:00:00.000Z", "late", "2026-12-01T20:31:16.000Z"],
          ["2026-12-02T07:00:00.000Z", "met", "2026-12-02T06:04:00.000Z"],
        ],
      );
      await assert.rejects(
        sql`insert into etl.deadline_checks (deadline_at, window_start, status, detail)
          values ('2026-12-02T07:00:00Z', '2026-12-02T06:00:00Z', 'missed', 'again')`,
        /deadline_checks_one_per_deadline/,
      );
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

/** `HH:MM` of an instant in a time zone. */
function timeOfDay(
  instant: Date,
  timeZone: string,
): { hour: number; minute: number; text: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(instant).map((part) => [part.type, part.value]),
  );
  return {
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    text: `${parts.hour}:${parts.minute}`,
  };
}

Deno.test(
  "deno task schedule catches up, writes the dashboard, stops on SIGTERM; deadline:check says late",
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
      await uploadGenerated(store, bucket, "data/", dataset);
      const db = await freshDatabase("schedcli");
      // Today's deadline passed two hours ago and its trigger three hours ago (in Berlin time), so
      // the run the scheduler catches up now finishes about two hours late.
      const now = Date.now();
      const trigger = timeOfDay(new Date(now - 3 * 3_600_000), "Europe/Berlin");
      const deadline = timeOfDay(new Date(now - 2 * 3_600_000), "Europe/Berlin");
      const config = await writeConfig(
        cwd,
        store.settings(bucket, "data/"),
        db,
        `\n[SCHEDULE]\nCRON = ${trigger.minute} ${trigger.hour} * * *\nTIMEZONE = Europe/Berlin\nDEADLINE = ${deadline.text}\n`,
      );
      await t.step("deadline:check before any run: missed, exit 1, marker recorded", async () => {
        const result = await runScript("lib/cli/deadline_check.ts", ["--config", config], cwd);
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(
          result.stderr,
          new RegExp(
            `^deadline:missed deadline \\d{4}-\\d\\d-\\d\\d ${deadline.text} Europe/Berlin \\(.+\\): no run started since .+ \\(check 1 in etl\\.deadline_checks\\)$`,
            "m",
          ),
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
            new RegExp(
              `^schedule:started cron "${trigger.minute} ${trigger.hour} \\* \\* \\*" in Europe/Berlin, deadline ${deadline.text}, 3 retries from 120 s; configured targets`,
            ),
          );
          const next = await child.waitFor(/^schedule:next /);
          assert.match(
            next,
            new RegExp(
              `^schedule:next \\d{4}-\\d\\d-\\d\\d ${trigger.text} Europe/Berlin \\(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:00Z\\), in 2[01] h\\b`,
            ),
          );
          await child.waitFor(/^schedule:catch-up no run since the trigger at /);
          await child.waitFor(/^schedule:run run 2 succeeded in [\d.]+ s \(catch-up for /);
          const written = await child.waitFor(/^dashboard:written file:\/\//);
          const path = decodeURI(written.replace("dashboard:written file://", ""));
          assert.equal(path, `${await Deno.realPath(cwd)}/reports/dashboard/index.html`);
          const html = await Deno.readTextFile(path);
          assert.match(html, /data-field="published-run" data-value="2"/);
          // The deadline was checked missed before; the run of its window finished after it.
          assert.match(html, /<div id="status" class="banner late" data-state="late">/);
          assert.match(
            html,
            /<strong>Deadline late<\/strong> <span>deadline .+: run 2 succeeded at .+, 2 h( \d+ min)? after the deadline/,
          );
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
      await t.step(
        "deadline:check after the run: late by about two hours, exit 1, same row",
        async () => {
          const result = await runScript("lib/cli/deadline_check.ts", ["--config", config], cwd);
          assert.equal(result.code, 1, result.stdout + result.stderr);
          assert.match(
            result.stderr,
            /^deadline:late deadline .+: run 2 succeeded at \S+, 2 h( \d+ min)? after the deadline \(trigger catch-up, started .+\) \(check 1 in etl\.deadline_checks\)$/m,
          );
          const check = connectTo(db);
          try {
            const [row] = await check`select c.status, c.run_id::int as run_id,
                                          c.run_finished_at = r.finished_at as finish_recorded,
                                          (select count(*)::int from etl.deadline_checks) as rows
                                   from etl.deadline_checks c join etl.runs r using (run_id)`;
            assert.deepEqual(row, { status: "late", run_id: 2, finish_recorded: true, rows: 1 });
          } finally {
            await check.end();
          }
        },
      );
      await t.step("--once with nothing owed exits 0 after printing the next trigger", async () => {
        const result = await runScript("lib/cli/schedule.ts", ["--config", config, "--once"], cwd);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /^schedule:next /m);
        assert.match(result.stdout, /^schedule:catch-up none: a run started at /m);
      });
      await t.step(
        "a cron with no trigger in the next year is refused before anything runs",
        async () => {
          const refused = await writeConfig(
            cwd,
            store.settings(bucket, "data/"),
            db,
            "\n[SCHEDULE]\nCRON = 0 7 30 2 *\n",
          );
          const result = await runScript("lib/cli/schedule.ts", ["--config", refused], cwd);
          assert.notEqual(result.code, 0);
          assert.match(
            result.stderr,
            /Invalid setting SCHEDULE\.CRON \(from ".+"\): "0 7 30 2 \*" has no trigger in the next year, so the scheduler would never run/,
          );
          assert.doesNotMatch(result.stdout, /schedule:next/);
        },
      );
    } finally {
      await store.close();
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
);

// ---------------------------------------------------------------------------------------------
// The deploy/ examples: crontab, systemd units, Airflow DAG.

const DEPLOY = `${ROOT}deploy`;

/** Asserts that an expression means daily at HH:MM UTC (three triggers a day apart). */
function assertDailyAt(cron: CronSchedule, time: string) {
  let instant = at("2026-01-01T00:00:00Z");
  for (let day = 1; day <= 3; day++) {
    instant = cron.next(instant)!;
    assert.equal(instant.toISOString(), `2026-01-0${day}T${time}:00.000Z`);
  }
}

Deno.test("deploy/crontab runs the ETL at the default 06:00, checks at 07:05, and always rewrites the dashboard", async (t) => {
  const entries = (await Deno.readTextFile(`${DEPLOY}/crontab`)).split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !/^[A-Z_]+=/.test(line))
    .map((line) => {
      const fields = line.split(/\s+/);
      return { expression: fields.slice(0, 5).join(" "), command: fields.slice(5).join(" ") };
    });
  assert.equal(entries.length, 2);
  const [etl, deadline] = entries;
  await t.step("the times follow [SCHEDULE]'s defaults: trigger 06:00, check after 07:00", () => {
    assert.equal(etl!.expression.replace(/\s+/g, " "), SCHEDULE_DEFAULTS.cron);
    assertDailyAt(createCronSchedule(etl!.expression, "UTC"), "06:00");
    assertDailyAt(createCronSchedule(deadline!.expression, "UTC"), "07:05");
  });
  // Each line run by /bin/sh as cron does, with a `deno` that records its arguments and fails.
  const dir = await Deno.makeTempDir({ prefix: "crontab-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno`,
      `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncase "$2" in dashboard) exit 0;; *) exit 1;; esac\n`,
      { mode: 0o755 },
    );
    for (
      const [entry, first] of [[etl!, "task etl --trigger cron"], [
        deadline!,
        "task deadline:check",
      ]] as const
    ) {
      await t.step(
        `"${first}" failing: the dashboard is rewritten and the line exits 1`,
        async () => {
          await Deno.remove(`${dir}/calls`).catch(() => {});
          const command = entry.command.replace(/^cd \/\S+/, `cd ${dir}`);
          assert.notEqual(command, entry.command, "the line starts with cd into the checkout");
          const output = await new Deno.Command("/bin/sh", {
            args: ["-c", command],
            env: { PATH: `${dir}:/usr/bin:/bin` },
            clearEnv: true,
          }).output();
          assert.equal(output.code, 1);
          assert.deepEqual((await Deno.readTextFile(`${dir}/calls`)).trim().split("\n"), [
            first,
            "task dashboard",
          ]);
        },
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deploy/ systemd units: the ETL at 06:00, the check at 07:05, the dashboard after each", async (t) => {
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
  await t.step(
    "anime-etl.service runs the ETL, then the dashboard even after a failure",
    async () => {
      const service = await unit("anime-etl.service");
      assert.deepEqual(service.Service?.ExecStart, ["deno task etl --trigger systemd"]);
      // ExecStopPost runs after ExecStart whatever its exit code; ExecStartPost only after success.
      assert.deepEqual(service.Service?.ExecStopPost, ["deno task dashboard"]);
      assert.equal(service.Service?.ExecStartPost, undefined);
      assert.deepEqual(service.Service?.Type, ["oneshot"]);
    },
  );
  await t.step("the timers fire at 06:00 and 07:05 and catch up (Persistent)", async () => {
    const timer = await unit("anime-etl.timer");
    assert.deepEqual(timer.Timer?.OnCalendar, ["*-*-* 06:00:00 UTC"]);
    assert.deepEqual(timer.Timer?.Persistent, ["true"]);
    assert.deepEqual(timer.Timer?.Unit, ["anime-etl.service"]);
    const deadlineTimer = await unit("anime-etl-deadline.timer");
    assert.deepEqual(deadlineTimer.Timer?.OnCalendar, ["*-*-* 07:05:00 UTC"]);
    const deadline = await unit("anime-etl-deadline.service");
    assert.deepEqual(deadline.Service?.ExecStart, ["deno task deadline:check"]);
    assert.deepEqual(deadline.Service?.ExecStopPost, ["deno task dashboard"]);
  });
  const analyze = await new Deno.Command("systemd-analyze", { args: ["--version"] }).output()
    .then((output) => output.success).catch(() => false);
  await t.step({
    name: "systemd-analyze verifies the units and the calendar expressions",
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
      for (const expression of ["*-*-* 06:00:00 UTC", "*-*-* 07:05:00 UTC"]) {
        const calendar = await new Deno.Command("systemd-analyze", {
          args: ["calendar", expression],
          stdout: "piped",
        }).output();
        assert.match(
          new TextDecoder().decode(calendar.stdout),
          new RegExp(`Normalized form: ${expression.replaceAll("*", "\\*")}`),
        );
      }
    },
  });
});

Deno.test("deploy/airflow DAGs are valid Python: ETL at 0 6 * * *, check at 5 7 * * *, dashboard after each", async () => {
  const path = `${DEPLOY}/airflow/anime_etl_dag.py`;
  // Parsed by Python itself; the printed facts come from its syntax tree, not from regexes.
  const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
facts = {"schedules": [], "tasks": {}, "flows": []}
for node in ast.walk(tree):
    if isinstance(node, ast.keyword) and node.arg == "schedule":
        facts["schedules"].append(ast.literal_eval(node.value))
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "BashOperator":
        args = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg != "cwd"}
        facts["tasks"][args.pop("task_id")] = args
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
  assert.deepEqual(facts.schedules, [SCHEDULE_DEFAULTS.cron, "5 7 * * *"]);
  assertDailyAt(createCronSchedule(facts.schedules[1], "UTC"), "07:05");
  assert.deepEqual(facts.tasks, {
    etl: { bash_command: "deno task etl --trigger airflow" },
    dashboard: { bash_command: "deno task dashboard", trigger_rule: "all_done" },
    deadline_check: { bash_command: "deno task deadline:check", retries: 0 },
    deadline_dashboard: { bash_command: "deno task dashboard", trigger_rule: "all_done" },
  });
  assert.deepEqual(facts.flows, ["etl >> dashboard", "deadline_check >> deadline_dashboard"]);
});
