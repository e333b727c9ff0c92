// Owns the scheduler's rules: when to trigger, catch-up on start, no overlap, deadline checks.
/**
 * The clock, the run and every database access are injected, so the rules are tested without
 * waiting or a database (tests/schedule_test.ts); `deno task schedule` wires in the real ones.
 *
 * @example Trigger once by hand with a fixed clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCronSchedule } from "./cron_schedule.ts";
 * import { deadlineSchedule } from "./deadline_schedule.ts";
 * import { Scheduler } from "./scheduler.ts";
 * const scheduler = new Scheduler({
 *   cron: createCronSchedule("0 7 * * *", "UTC"),
 *   deadline: deadlineSchedule("07:00", "UTC"),
 *   clock: {
 *     now: () => new Date("2026-05-02T07:00:00Z"),
 *     sleepUntil: () => Promise.resolve(),
 *   },
 *   runEtl: () => Promise.resolve({ runId: 1, status: "succeeded", seconds: 1 }),
 *   readRunHistory: () => Promise.resolve({ runs: 0 }),
 *   checkDeadline: () => Promise.resolve({ status: "met", detail: "run 1 succeeded" }),
 *   refreshDashboard: () => Promise.resolve(),
 *   readRunsSignature: () => Promise.resolve("0"),
 *   log: () => {},
 * });
 * const result = await scheduler.trigger("schedule", new Date("2026-05-02T07:00:00Z"));
 * assert.equal(result.outcome, "succeeded");
 * ```
 */
import { errorMessage, PipelineError } from "../errors.ts";
import type { CronSchedule } from "./cron_schedule.ts";
import { type CatchUpDecision, decideCatchUp } from "./decide_catch_up.ts";
import { type DeadlineWindow, deadlineWindow } from "./deadline_window.ts";
import { formatInstant } from "./format_instant.ts";
import { formatWait } from "./format_wait.ts";

/** What started a run; recorded in etl.runs.trigger. */
export type TriggerKind = "schedule" | "catch-up";

/** What a run reports back: the fields of runEtl's RunSummary the scheduler uses. */
export interface RunResult {
  runId: number;
  status: "succeeded" | "skipped" | "failed";
  /** Wall seconds of the run. */
  seconds: number;
  error?: { code: string; message: string };
}

/** What became of one trigger. */
export type TriggerResult =
  & { kind: TriggerKind; scheduledFor: Date }
  & (
    | { outcome: "succeeded" | "skipped" | "failed"; run: RunResult }
    /** `locked`: another process holds the run lock (RUN_LOCKED); `overlap`: this scheduler's own
     * run is still in progress; `error`: the run could not start (e.g. DB_UNREACHABLE). */
    | { outcome: "locked" | "overlap" | "error"; message: string }
  );

/** Outcome of a deadline check as recorded in etl.deadline_checks. */
export interface DeadlineResult {
  status: "met" | "missed";
  detail: string;
}

/** Time as the scheduler sees it. */
export interface SchedulerClock {
  now(): Date;
  /** Resolves at `instant` (or soon after), or as soon as `signal` aborts. */
  sleepUntil(instant: Date, signal: AbortSignal): Promise<void>;
}

/** Everything the scheduler acts through. */
export interface SchedulerOptions {
  /** When to trigger the ETL. */
  cron: CronSchedule;
  /** The daily deadline instants. */
  deadline: CronSchedule;
  clock: SchedulerClock;
  /** Runs the ETL once with this trigger; throws PipelineError `RUN_LOCKED` when another run holds the lock. */
  runEtl(trigger: TriggerKind): Promise<RunResult>;
  /** Runs in etl.runs and the start of the last one that ran to an end. */
  readRunHistory(): Promise<{ runs: number; lastStartedAt?: Date | undefined }>;
  /** Evaluates and records one deadline check. */
  checkDeadline(window: DeadlineWindow): Promise<DeadlineResult>;
  /** Regenerates the dashboard. */
  refreshDashboard(): Promise<void>;
  /** A value that changes whenever a run ends or a deadline is checked (by any process). */
  readRunsSignature(): Promise<string>;
  /** How often to look for runs that other processes finished, in milliseconds; default 30,000. */
  watchIntervalMs?: number;
  /** Receives `stage:event` lines. */
  log(line: string): void;
}

/**
 * Triggers the ETL on a cron schedule. Rules:
 * - on start, catches up the last trigger if no run has started since it (see `decideCatchUp`);
 * - never starts a run while its own run is in progress (the trigger is reported as `overlap`),
 *   and reports `locked` when another process's run holds the ETL's lock;
 * - after each deadline instant, once its own run has ended, records a deadline check;
 * - regenerates the dashboard after its runs and whenever another process finished a run.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  #inFlight: { scheduledFor: Date; done: Promise<TriggerResult> } | undefined;
  readonly #tasks = new Set<Promise<unknown>>();
  #dashboard: Promise<void> = Promise.resolve();
  #signature: string | undefined;
  #lastWatchError = "";

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** The first trigger after the clock's now; undefined when the cron has none. */
  nextTrigger(): Date | undefined {
    return this.#options.cron.next(this.#options.clock.now());
  }

  /** Whether this scheduler's own run is in progress. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Decides, from etl.runs and the clock, whether a trigger is owed a catch-up run. */
  async catchUpDecision(): Promise<CatchUpDecision> {
    const history = await this.#options.readRunHistory();
    return decideCatchUp(this.#options.clock.now(), { cron: this.#options.cron, ...history });
  }

  /**
   * Starts a run for a trigger unless this scheduler's run is in progress, and waits for it. On
   * success (or a skip) the dashboard is regenerated.
   *
   * @param kind Recorded in etl.runs.trigger.
   * @param scheduledFor The trigger time the run is for.
   * @returns What became of the trigger; never throws.
   */
  trigger(kind: TriggerKind, scheduledFor: Date): Promise<TriggerResult> {
    const when = this.#format(scheduledFor);
    if (this.#inFlight) {
      const message = `the run for ${
        this.#format(this.#inFlight.scheduledFor)
      } is still in progress`;
      this.#options.log(`schedule:overlap ${kind} trigger for ${when} not run: ${message}`);
      return Promise.resolve({ kind, scheduledFor, outcome: "overlap", message });
    }
    this.#options.log(`schedule:trigger ${kind} for ${when}`);
    const done = this.#runTrigger(kind, scheduledFor).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = { scheduledFor, done };
    return this.#track(done);
  }

  /**
   * Start-up only: prints the next trigger and runs a catch-up if one is owed, waiting for it.
   *
   * @returns The catch-up's result, or undefined when none was owed.
   */
  async runOnce(): Promise<TriggerResult | undefined> {
    this.#logNext();
    const decision = await this.#startUp();
    return decision.due ? await this.#inFlight?.done : undefined;
  }

  /**
   * Runs until `signal` aborts: catch-up on start, then triggers, deadline checks and dashboard
   * refreshes as they fall due. On abort, waits for the run in progress, then returns.
   *
   * @param signal Aborts the loop (SIGTERM in `deno task schedule`).
   */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, cron, deadline } = this.#options;
    const watchMs = this.#options.watchIntervalMs ?? 30_000;
    this.#logNext();
    if (!signal.aborted) await this.#startUp();
    let now = clock.now();
    let nextTrigger = cron.next(now);
    let nextDeadline = deadline.next(now);
    let nextWatch = new Date(now.getTime() + watchMs);
    while (!signal.aborted) {
      const wake = [nextTrigger, nextDeadline, nextWatch]
        .filter((instant): instant is Date => instant !== undefined)
        .reduce((a, b) => (a.getTime() <= b.getTime() ? a : b));
      await clock.sleepUntil(wake, signal);
      if (signal.aborted) break;
      now = clock.now();
      if (nextTrigger && now.getTime() >= nextTrigger.getTime()) {
        const skipped = cron.previous(now);
        if (skipped && skipped.getTime() > nextTrigger.getTime()) {
          this.#options.log(
            `schedule:late woke at ${this.#format(now)}, after the triggers for ${
              this.#format(nextTrigger)
            } to ${this.#format(skipped)}; running once`,
          );
        }
        void this.trigger("schedule", nextTrigger);
        nextTrigger = cron.next(now);
        this.#logNext(nextTrigger);
      }
      if (nextDeadline && now.getTime() >= nextDeadline.getTime()) {
        const due = nextDeadline;
        this.#track(this.#checkDeadlineAfterRun(due));
        nextDeadline = deadline.next(now);
      }
      if (now.getTime() >= nextWatch.getTime()) {
        await this.#watch();
        nextWatch = new Date(now.getTime() + watchMs);
      }
    }
    await Promise.allSettled([...this.#tasks]);
    this.#options.log("schedule:stopped");
  }

  /** Waits for the run in progress, deadline checks and dashboard refreshes. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  async #startUp(): Promise<CatchUpDecision> {
    const decision = await this.catchUpDecision();
    this.#options.log(
      decision.due
        ? `schedule:catch-up ${decision.reason}`
        : `schedule:catch-up none: ${decision.reason}`,
    );
    if (decision.due) {
      void this.trigger("catch-up", decision.scheduledFor);
    } else {
      await this.#refreshDashboard();
    }
    return decision;
  }

  async #runTrigger(kind: TriggerKind, scheduledFor: Date): Promise<TriggerResult> {
    const when = this.#format(scheduledFor);
    let run: RunResult;
    try {
      run = await this.#options.runEtl(kind);
    } catch (error) {
      const message = errorMessage(error);
      const locked = error instanceof PipelineError && error.code === "RUN_LOCKED";
      this.#options.log(
        `schedule:${locked ? "locked" : "error"} ${kind} trigger for ${when} not run: ${message}`,
      );
      return { kind, scheduledFor, outcome: locked ? "locked" : "error", message };
    }
    this.#options.log(
      `schedule:run run ${run.runId} ${run.status} in ${
        run.seconds.toFixed(1)
      } s (${kind} for ${when})` +
        (run.error ? `: ${run.error.code}: ${run.error.message}` : ""),
    );
    if (run.status !== "failed") await this.#refreshDashboard();
    return { kind, scheduledFor, outcome: run.status, run };
  }

  async #checkDeadlineAfterRun(due: Date): Promise<void> {
    await this.#inFlight?.done;
    const window = deadlineWindow(due, {
      cron: this.#options.cron,
      deadline: this.#options.deadline,
    });
    try {
      const result = await this.#options.checkDeadline(window);
      this.#options.log(
        `deadline:${result.status} deadline ${this.#format(window.dueAt)}: ${result.detail}`,
      );
    } catch (error) {
      this.#options.log(
        `deadline:error cannot check the deadline ${this.#format(window.dueAt)}: ${
          errorMessage(error)
        }`,
      );
      return;
    }
    await this.#refreshDashboard();
  }

  async #watch(): Promise<void> {
    if (this.#inFlight) return;
    let signature: string;
    try {
      signature = await this.#options.readRunsSignature();
      this.#lastWatchError = "";
    } catch (error) {
      const message = `schedule:watch-failed cannot read etl.runs: ${errorMessage(error)}`;
      if (message !== this.#lastWatchError) this.#options.log(message);
      this.#lastWatchError = message;
      return;
    }
    if (signature !== this.#signature) await this.#refreshDashboard();
  }

  // Serialised: a refresh asked for while one is rendering runs after it.
  #refreshDashboard(): Promise<void> {
    this.#dashboard = this.#dashboard.then(async () => {
      try {
        const signature = await this.#options.readRunsSignature();
        await this.#options.refreshDashboard();
        this.#signature = signature;
      } catch (error) {
        this.#options.log(`dashboard:failed ${errorMessage(error)}`);
      }
    });
    return this.#track(this.#dashboard);
  }

  #logNext(next = this.nextTrigger()): void {
    if (next === undefined) {
      this.#options.log("schedule:next none: the cron expression has no future trigger");
      return;
    }
    const wait = next.getTime() - this.#options.clock.now().getTime();
    this.#options.log(`schedule:next ${this.#format(next)}, in ${formatWait(wait)}`);
  }

  #track<T>(task: Promise<T>): Promise<T> {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task)).catch(() => {});
    return task;
  }

  #format(instant: Date): string {
    return formatInstant(instant, this.#options.cron.timeZone);
  }
}
