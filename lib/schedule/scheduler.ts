// Owns the scheduler's rules: triggers, catch-up, retries, no overlap, deadline and at-risk checks.
/**
 * The clock, the run and every database access are injected, so the rules are tested without
 * waiting or a database (tests/schedule_test.ts); `deno task schedule` wires in the real ones
 * (see `schedulerDependencies`).
 *
 * @example Trigger once by hand with a fixed clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCronSchedule } from "../calendar/cron_schedule.ts";
 * import { deadlineSchedule } from "../calendar/deadline_schedule.ts";
 * import { Scheduler } from "./scheduler.ts";
 * const scheduler = new Scheduler({
 *   cron: createCronSchedule("0 6 * * *", "UTC"),
 *   deadline: deadlineSchedule("07:00", "UTC"),
 *   clock: {
 *     now: () => new Date("2026-05-02T06:00:00Z"),
 *     sleepUntil: () => Promise.resolve(),
 *   },
 *   runEtl: () => Promise.resolve({ runId: 1, status: "succeeded", seconds: 1 }),
 *   readRunHistory: () => Promise.resolve({ runs: 0 }),
 *   readExpectedRun: () => Promise.resolve({ seconds: 60, basis: "1 min" }),
 *   checkDeadline: () => Promise.resolve({ status: "met", detail: "run 1 succeeded" }),
 *   recordFailure: () => Promise.resolve(undefined),
 *   refreshDashboard: () => Promise.resolve(),
 *   readRunsSignature: () => Promise.resolve("0"),
 *   log: () => {},
 * });
 * const result = await scheduler.trigger("schedule", new Date("2026-05-02T06:00:00Z"));
 * assert.equal(result.outcome, "succeeded");
 * ```
 */
import { errorMessage, PipelineError } from "../errors.ts";
import type { ExportSummary } from "../export/export_run.ts";
import { formatExportSummary } from "../export/format_export_summary.ts";
import type { CronSchedule } from "../calendar/cron_schedule.ts";
import { type CatchUpDecision, decideCatchUp } from "./decide_catch_up.ts";
import { type DeadlineWindow, windowOfDeadline } from "./deadline_window.ts";
import { formatInstant } from "../calendar/format_instant.ts";
import { formatWait } from "../calendar/format_wait.ts";
import type { DeadlineStatus } from "./judge_deadline.ts";
import { planRetry, type RetrySettings } from "./plan_retry.ts";
import { DEFAULT_EXPECTED_RUN, type ExpectedRun } from "./read_expected_run.ts";

/** What started a run; recorded in etl.runs.trigger. */
export type TriggerKind = "schedule" | "catch-up" | "retry";

/** What a run reports back: the fields of runEtl's RunSummary the scheduler uses. */
export interface RunResult {
  runId: number;
  status: "succeeded" | "skipped" | "failed";
  /** Wall seconds of the run. */
  seconds: number;
  error?: { code: string; message: string };
  /** The export to `[EXPORT] TARGET` after the run, when one is set. */
  export?: ExportSummary;
}

/** What became of one trigger, after its retries. */
export type TriggerResult =
  & {
    kind: TriggerKind;
    scheduledFor: Date; /** Runs attempted, retries included. */
    attempts: number;
  }
  & (
    | { outcome: "succeeded" | "skipped" | "failed"; run: RunResult }
    /** `locked`: another process's run held the lock until the next trigger; `overlap`: this
     * scheduler's own run is still in progress; `error`: the run could not start (e.g.
     * DB_UNREACHABLE), `code` says why. */
    | { outcome: "locked" | "overlap" | "error"; message: string; code?: string }
  );

/** Outcome of a deadline check as recorded in etl.deadline_checks. */
export interface DeadlineResult {
  status: DeadlineStatus;
  detail: string;
}

/** A failed attempt the database could not record when it happened (it was unreachable). */
export interface UnrecordedFailure {
  /** The run left `running` in etl.runs, when the run had started before the database went away. */
  runId?: number;
  trigger: TriggerKind;
  startedAt: Date;
  finishedAt: Date;
  /** `CODE: message`, as in etl.runs.error. */
  error: string;
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
  /** Retries of transient failures; default 3 retries from 120 s (2, 4, 8 min). */
  retry?: RetrySettings;
  /**
   * Runs the ETL once with this trigger; throws PipelineError `RUN_LOCKED` when another run holds
   * the lock. `interrupt` aborts when the scheduler must leave: the run then fails `INTERRUPTED`.
   */
  runEtl(trigger: TriggerKind, interrupt: AbortSignal): Promise<RunResult>;
  /** Runs in etl.runs and the start of the last one that ran to an end. */
  readRunHistory(): Promise<{ runs: number; lastStartedAt?: Date | undefined }>;
  /** How long a run takes, from recent runs. */
  readExpectedRun(): Promise<ExpectedRun>;
  /** Judges and records one deadline at `now` (early, before the deadline: at risk or met). */
  checkDeadline(
    window: DeadlineWindow,
    context: { now: Date; expected: ExpectedRun },
  ): Promise<DeadlineResult>;
  /**
   * Records a failure the database missed and returns its run id (undefined when the run had
   * recorded it after all). Throws while the database is still down.
   */
  recordFailure(failure: UnrecordedFailure): Promise<number | undefined>;
  /** Regenerates the dashboard. */
  refreshDashboard(): Promise<void>;
  /** A value that changes whenever a run ends or a deadline is checked (by any process). */
  readRunsSignature(): Promise<string>;
  /** How often to look for runs that other processes finished, in milliseconds; default 30,000. */
  watchIntervalMs?: number;
  /** How often to try again while another run holds the lock, in milliseconds; default 10,000. */
  lockPollMs?: number;
  /** Receives `stage:event` lines. */
  log(line: string): void;
}

const NEVER = new AbortController().signal;
const DEFAULT_RETRY: RetrySettings = { attempts: 3, baseDelayMs: 120_000 };
const MAX_UNRECORDED = 50;

/**
 * Triggers the ETL on a cron schedule. Rules:
 * - on start, catches up the last trigger if no run has started since it (see `decideCatchUp`);
 * - never starts a run while its own run is in progress (the trigger is reported as `overlap`);
 *   when another process's run holds the lock, starts once it ends (before the next trigger);
 * - retries a transient failure with backoff while a retry can still finish before the deadline
 *   (see `planRetry`), each attempt with trigger `retry`; a terminal failure is not retried;
 * - records a deadline check at each deadline (after a run in progress ends), an early one at the
 *   deadline minus the expected run time (`at_risk` when nothing has succeeded yet), and checks a
 *   missed deadline again when a run succeeds after it (it becomes `late`);
 * - records failures the database missed once it is back;
 * - regenerates the dashboard after every run and check and whenever another process finished a
 *   run.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  #inFlight: { scheduledFor: Date; done: Promise<TriggerResult> } | undefined;
  #running: Promise<unknown> | undefined;
  readonly #tasks = new Set<Promise<unknown>>();
  #dashboard: Promise<void> = Promise.resolve();
  #signature: string | undefined;
  #lastWatchError = "";
  #lastRecordError = "";
  #stop: AbortSignal = NEVER;
  #leave: AbortSignal = NEVER;
  #expected: ExpectedRun = { ...DEFAULT_EXPECTED_RUN };
  readonly #unrecorded: UnrecordedFailure[] = [];
  /** Deadlines (epoch ms) whose last verdict was missed or at risk: checked again after a success. */
  readonly #open = new Set<number>();
  readonly #earlyChecked = new Set<number>();

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** The first trigger after the clock's now; undefined when the cron has none. */
  nextTrigger(): Date | undefined {
    return this.#options.cron.next(this.#options.clock.now());
  }

  /** Whether this scheduler's own trigger (a run, a retry wait or a lock wait) is in progress. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Failures waiting for the database to come back, oldest first. */
  get unrecorded(): readonly UnrecordedFailure[] {
    return this.#unrecorded;
  }

  /** Decides, from etl.runs and the clock, whether a trigger is owed a catch-up run. */
  async catchUpDecision(): Promise<CatchUpDecision> {
    const history = await this.#options.readRunHistory();
    return decideCatchUp(this.#options.clock.now(), { cron: this.#options.cron, ...history });
  }

  /**
   * Starts a run for a trigger unless this scheduler's run is in progress, retries it as the rules
   * allow, and waits for it. The dashboard is regenerated after every attempt.
   *
   * @param kind Recorded in etl.runs.trigger (retries record `retry`).
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
      return Promise.resolve({ kind, scheduledFor, attempts: 0, outcome: "overlap", message });
    }
    this.#options.log(`schedule:trigger ${kind} for ${when}`);
    const done = this.#runTrigger(kind, scheduledFor).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = { scheduledFor, done };
    return this.#track(done);
  }

  /**
   * Start-up only: prints the next trigger and runs a catch-up if one is owed (with its retries),
   * waiting for it.
   *
   * @param stop Ends retry and lock waits early.
   * @param leave Interrupts the run in progress.
   * @returns The catch-up's result, or undefined when none was owed.
   */
  async runOnce(stop = NEVER, leave = NEVER): Promise<TriggerResult | undefined> {
    this.#stop = stop;
    this.#leave = leave;
    this.#logNext();
    const decision = await this.#startUp();
    return decision.due ? await this.#inFlight?.done : undefined;
  }

  /**
   * Runs until `stop` aborts: catch-up on start, then triggers, retries, deadline checks and
   * dashboard refreshes as they fall due. On `stop`, waits for the run in progress (no further
   * retry), then returns; `leave` interrupts that run.
   *
   * @param stop The first stop request (SIGTERM or Ctrl-C in `deno task schedule`).
   * @param leave A second stop request, or the grace period over.
   */
  async run(stop: AbortSignal, leave: AbortSignal = NEVER): Promise<void> {
    this.#stop = stop;
    this.#leave = leave;
    const { clock, cron, deadline } = this.#options;
    const watchMs = this.#options.watchIntervalMs ?? 30_000;
    this.#logNext();
    if (!stop.aborted) await this.#startUp();
    let now = clock.now();
    let nextTrigger = cron.next(now);
    let nextDeadline = deadline.next(now);
    let nextWatch = new Date(now.getTime() + watchMs);
    while (!stop.aborted) {
      const riskAt = this.#riskAt(nextDeadline);
      const wake = [nextTrigger, nextDeadline, nextWatch, riskAt]
        .filter((instant): instant is Date => instant !== undefined)
        .reduce((a, b) => (a.getTime() <= b.getTime() ? a : b));
      if (wake.getTime() > now.getTime()) await clock.sleepUntil(wake, stop);
      if (stop.aborted) break;
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
      if (riskAt && nextDeadline && now.getTime() >= riskAt.getTime()) {
        this.#earlyChecked.add(nextDeadline.getTime());
        this.#track(this.#checkDeadline(nextDeadline, { early: true }));
      }
      if (nextDeadline && now.getTime() >= nextDeadline.getTime()) {
        this.#track(this.#checkDeadline(nextDeadline, { early: false }));
        nextDeadline = deadline.next(now);
      }
      if (now.getTime() >= nextWatch.getTime()) {
        await this.#watch();
        nextWatch = new Date(now.getTime() + watchMs);
      }
    }
    await this.settled();
    this.#options.log("schedule:stopped");
  }

  /** Waits for the run in progress, retries, deadline checks and dashboard refreshes. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  async #startUp(): Promise<CatchUpDecision> {
    await this.#readExpected();
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

  // The at-risk instant of the next deadline, unless it was checked early already.
  #riskAt(nextDeadline: Date | undefined): Date | undefined {
    if (!nextDeadline || this.#earlyChecked.has(nextDeadline.getTime())) return undefined;
    return new Date(nextDeadline.getTime() - this.#expected.seconds * 1000);
  }

  async #runTrigger(kind: TriggerKind, scheduledFor: Date): Promise<TriggerResult> {
    const retry = this.#options.retry ?? DEFAULT_RETRY;
    const when = this.#format(scheduledFor);
    let attemptKind = kind;
    for (let retriesDone = 0;; retriesDone++) {
      const result = await this.#attempt(attemptKind, scheduledFor, retriesDone + 1);
      await this.#readExpected();
      if (result.outcome === "succeeded" || result.outcome === "skipped") {
        await this.#recheckOpenDeadlines();
      }
      await this.#refreshDashboard();
      const code = result.outcome === "failed"
        ? result.run.error?.code ?? "LOAD_FAILED"
        : result.outcome === "error" || result.outcome === "locked"
        ? result.code ?? "LOAD_FAILED"
        : undefined;
      if (code === undefined || this.#stop.aborted || this.#leave.aborted) return result;
      const now = this.#options.clock.now();
      const until = this.#retryUntil(scheduledFor, now);
      const plan = planRetry(now, {
        code,
        retriesDone,
        retry,
        until: until.instant,
        untilLabel: until.label,
        expectedSeconds: this.#expected.seconds,
      });
      if (!plan.retry) {
        this.#options.log(`schedule:retry-none ${kind} for ${when}: ${plan.reason}`);
        return result;
      }
      this.#options.log(
        `schedule:retry ${retriesDone + 1} of ${retry.attempts} for ${when} at ${
          this.#format(plan.at)
        }, in ${formatWait(plan.delayMs)} (${code}; a run takes ${this.#expected.basis})`,
      );
      await this.#options.clock.sleepUntil(plan.at, this.#stop);
      if (this.#stop.aborted) {
        this.#options.log(`schedule:retry-none ${kind} for ${when}: stopping`);
        return result;
      }
      attemptKind = "retry";
    }
  }

  // One attempt; while another process's run holds the lock, tries again until the next trigger.
  async #attempt(kind: TriggerKind, scheduledFor: Date, attempts: number): Promise<TriggerResult> {
    const { clock, log } = this.#options;
    const when = this.#format(scheduledFor);
    const giveUpAt = this.#options.cron.next(clock.now());
    const pollMs = this.#options.lockPollMs ?? 10_000;
    let waiting = false;
    while (true) {
      await this.#flushUnrecorded();
      const startedAt = clock.now();
      let run: RunResult;
      try {
        const running = this.#options.runEtl(kind, this.#leave);
        this.#running = running.catch(() => {});
        run = await running;
      } catch (error) {
        const message = errorMessage(error);
        const code = error instanceof PipelineError ? error.code : undefined;
        const now = clock.now();
        if (code === "RUN_LOCKED") {
          const retryAt = new Date(now.getTime() + pollMs);
          if (!this.#stop.aborted && (!giveUpAt || retryAt.getTime() < giveUpAt.getTime())) {
            if (!waiting) {
              log(
                `schedule:locked ${kind} trigger for ${when}: ${message}; starting once it ends ` +
                  `(trying every ${formatWait(pollMs)})`,
              );
            }
            waiting = true;
            await clock.sleepUntil(retryAt, this.#stop);
            continue;
          }
          log(`schedule:locked ${kind} trigger for ${when} not run: ${message}`);
          return { kind, scheduledFor, attempts, outcome: "locked", message, code };
        }
        log(`schedule:error ${kind} trigger for ${when} not run: ${message}`);
        this.#remember({
          trigger: kind,
          startedAt,
          finishedAt: now,
          error: `${code ?? "LOAD_FAILED"}: ${message}`,
        });
        return {
          kind,
          scheduledFor,
          attempts,
          outcome: "error",
          message,
          ...(code ? { code } : {}),
        };
      } finally {
        this.#running = undefined;
      }
      log(
        `schedule:run run ${run.runId} ${run.status} in ${
          run.seconds.toFixed(1)
        } s (${kind} for ${when})` +
          (run.error ? `: ${run.error.code}: ${run.error.message}` : ""),
      );
      // The run stands whatever became of its export; the export's outcome is its own line.
      if (run.export) log(`schedule:export ${formatExportSummary(run.export)}`);
      if (run.status === "failed") {
        // Its last update may not have reached the database (it went away): record the failure
        // once the database answers. A failure the run recorded itself is left as it is.
        this.#remember({
          runId: run.runId,
          trigger: kind,
          startedAt,
          finishedAt: clock.now(),
          error: `${run.error?.code ?? "LOAD_FAILED"}: ${
            run.error?.message ?? "no error reported"
          }`,
        });
      }
      return { kind, scheduledFor, attempts, outcome: run.status, run };
    }
  }

  // A retry must finish by the deadline the trigger serves, and never run into the next trigger.
  // When that deadline has passed (a catch-up after downtime), a late refresh still beats none, so
  // the next trigger is the only limit.
  #retryUntil(scheduledFor: Date, now: Date): { instant: Date; label: string } {
    const due = this.#options.deadline.next(scheduledFor);
    const next = this.#options.cron.next(now);
    const candidates: { instant: Date; label: string }[] = [];
    if (due && due.getTime() > now.getTime()) {
      candidates.push({ instant: due, label: `the deadline ${this.#format(due)}` });
    }
    if (next) candidates.push({ instant: next, label: `the next trigger ${this.#format(next)}` });
    if (candidates.length === 0) return { instant: now, label: "now" };
    return candidates.reduce((a, b) => (a.instant.getTime() <= b.instant.getTime() ? a : b));
  }

  async #checkDeadline(dueAt: Date, { early }: { early: boolean }): Promise<void> {
    // A run in progress at the deadline decides it when it ends (met or late), not before.
    if (!early) await this.#running;
    const window = windowOfDeadline(dueAt, {
      cron: this.#options.cron,
      deadline: this.#options.deadline,
    });
    await this.#judge(window);
    await this.#refreshDashboard();
  }

  async #judge(window: DeadlineWindow): Promise<DeadlineResult | undefined> {
    const now = this.#options.clock.now();
    try {
      await this.#flushUnrecorded();
      const result = await this.#options.checkDeadline(window, { now, expected: this.#expected });
      this.#options.log(
        `deadline:${result.status} deadline ${this.#format(window.dueAt)}: ${result.detail}`,
      );
      if (result.status === "missed" || result.status === "at_risk") {
        this.#open.add(window.dueAt.getTime());
      } else {
        this.#open.delete(window.dueAt.getTime());
      }
      return result;
    } catch (error) {
      this.#options.log(
        `deadline:error cannot check the deadline ${this.#format(window.dueAt)}: ${
          errorMessage(error)
        }`,
      );
      return undefined;
    }
  }

  // After a success: a deadline found missed (or at risk) is judged again, so the row says late
  // (or met) with the run's finish time.
  async #recheckOpenDeadlines(): Promise<void> {
    const { cron, deadline } = this.#options;
    for (const dueAt of [...this.#open].sort()) {
      await this.#judge(windowOfDeadline(new Date(dueAt), { cron, deadline }));
    }
    // A window that has closed cannot gain a run any more.
    const now = this.#options.clock.now().getTime();
    for (const dueAt of this.#open) {
      const window = windowOfDeadline(new Date(dueAt), { cron, deadline });
      if (window.windowEnd.getTime() <= now) this.#open.delete(dueAt);
    }
  }

  async #readExpected(): Promise<void> {
    try {
      this.#expected = await this.#options.readExpectedRun();
    } catch {
      // Keep the last known expectation while the database is away.
    }
  }

  #remember(failure: UnrecordedFailure): void {
    this.#unrecorded.push(failure);
    if (this.#unrecorded.length > MAX_UNRECORDED) this.#unrecorded.shift();
  }

  // Records failures the database missed, oldest first; stops at the first that still fails, and
  // says so once per distinct error: a failure recorded only after a later run would make that run
  // look older than it in etl.runs.
  async #flushUnrecorded(): Promise<void> {
    while (this.#unrecorded.length > 0) {
      const failure = this.#unrecorded[0]!;
      let runId: number | undefined;
      try {
        runId = await this.#options.recordFailure(failure);
      } catch (error) {
        const message = `schedule:record-pending ${this.#unrecorded.length} failed attempt(s) ` +
          `not recorded yet: ${errorMessage(error)}`;
        if (message !== this.#lastRecordError) this.#options.log(message);
        this.#lastRecordError = message;
        return;
      }
      this.#lastRecordError = "";
      this.#unrecorded.shift();
      // Undefined: the run had recorded its failure itself after all.
      if (runId === undefined) continue;
      this.#options.log(
        `schedule:recorded run ${runId} failed (${failure.trigger} attempt at ${
          this.#format(failure.startedAt)
        }) once the database was back: ${failure.error}`,
      );
    }
  }

  async #watch(): Promise<void> {
    await this.#flushUnrecorded();
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
    if (signature !== this.#signature) {
      if (this.#open.size > 0) await this.#recheckOpenDeadlines();
      await this.#refreshDashboard();
    }
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
