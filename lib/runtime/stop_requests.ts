// Owns stop requests of the long-running CLIs: signals that arrive together are one request.
/**
 * systemd's default stop, Ctrl-C in a terminal and `timeout` signal the whole process group, and
 * `deno task` forwards the signal to its child as well, so one request reaches the process as two
 * signals a few milliseconds apart. Only a request that comes later than that (or the grace period
 * running out) means "leave now".
 *
 * @example A request delivered twice at once is one request; one a few seconds later is a second
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStopRequests } from "./stop_requests.ts";
 * let now = 0;
 * using stop = createStopRequests({ listen: false, now: () => now });
 * stop.request("SIGTERM");
 * now = 5;
 * stop.request("SIGTERM");
 * assert.deepEqual([stop.stop.aborted, stop.leave.aborted], [true, false]);
 * now = 3_000;
 * stop.request("SIGINT");
 * assert.equal(stop.leave.aborted, true);
 * assert.equal(stop.exitCode(), 143);
 * ```
 */

/** Options of {@link createStopRequests}. */
export interface StopRequestOptions {
  /** Signals that ask to stop; default SIGINT and SIGTERM. */
  signals?: Deno.Signal[];
  /** Signals this soon after the first, in milliseconds, belong to the same request; default 1,000. */
  sameRequestMs?: number;
  /** Leave this many seconds after the first request even without a second; default never. */
  graceSeconds?: number;
  /** Listen to the process's signals; default true (false for tests, which call `request`). */
  listen?: boolean;
  /** Called once at the first request. */
  onStop?: (signal: Deno.Signal) => void;
  /** Called once when leaving, with why: `a second stop request (SIGINT)`, or the grace period's end. */
  onLeave?: (why: string) => void;
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
}

/** The state of stop requests; dispose it to remove the signal listeners and the grace timer. */
export interface StopRequests extends Disposable {
  /** Aborts at the first request: finish (or roll back) the work in progress, then exit. */
  readonly stop: AbortSignal;
  /** Aborts at a later second request or when the grace period is over: leave now. */
  readonly leave: AbortSignal;
  /** The signal of the first request, if any. */
  readonly signal: Deno.Signal | undefined;
  /** Handles one request, as a signal listener does. */
  request(signal: Deno.Signal): void;
  /** The conventional exit code for the first request: 130 for SIGINT, 143 for SIGTERM. */
  exitCode(): number;
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGTERM: 15,
};

/**
 * Starts handling stop requests. The first request aborts `stop` (and starts the grace period);
 * further signals within `sameRequestMs` of it are the same request and are ignored; a signal after
 * that aborts `leave`.
 *
 * @param options Signals, timing and callbacks.
 * @returns The requests' state.
 */
export function createStopRequests(options: StopRequestOptions = {}): StopRequests {
  const now = options.now ?? Date.now;
  const sameRequestMs = options.sameRequestMs ?? 1_000;
  const stop = new AbortController();
  const leave = new AbortController();
  let first: { signal: Deno.Signal; at: number } | undefined;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const leaveNow = (why: string) => {
    if (leave.signal.aborted) return;
    if (grace !== undefined) clearTimeout(grace);
    options.onLeave?.(why);
    leave.abort(`stopped by ${why}`);
  };
  const requests: StopRequests = {
    stop: stop.signal,
    leave: leave.signal,
    get signal() {
      return first?.signal;
    },
    request(signal) {
      const at = now();
      if (first === undefined) {
        first = { signal, at };
        options.onStop?.(signal);
        stop.abort(`stopped by ${signal}`);
        if (options.graceSeconds !== undefined) {
          const timer = setTimeout(
            () => leaveNow(`the end of the ${options.graceSeconds} s grace period`),
            options.graceSeconds * 1000,
          );
          Deno.unrefTimer(timer);
          grace = timer;
        }
        return;
      }
      if (at - first.at < sameRequestMs) return;
      leaveNow(`a second stop request (${signal})`);
    },
    exitCode() {
      return 128 + (SIGNAL_NUMBERS[first?.signal ?? "SIGTERM"] ?? 15);
    },
    [Symbol.dispose]() {
      if (grace !== undefined) clearTimeout(grace);
      for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    },
  };
  const listeners = options.listen === false
    ? []
    : (options.signals ?? ["SIGINT", "SIGTERM"]).map((signal) => {
      const listener = () => requests.request(signal);
      Deno.addSignalListener(signal, listener);
      return [signal, listener] as const;
    });
  return requests;
}
