// Owns how a stop request (Ctrl-C, SIGTERM) ends a run: the INTERRUPTED error, the reads that give
// way to it, and the cancel that rolls the load transaction back at once.
/**
 * @example Stop a run's work where it is
 * ```ts ignore
 * import { RunStop } from "./run_stop.ts";
 * const stop = new RunStop(runId, signal);
 * for await (const chunk of stop.stoppable(bytes)) stop.throwIfStopped();
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";
import { PipelineError } from "../errors.ts";
import { abortableIterable, raceAbort } from "../runtime/abortable.ts";

/**
 * Throws before a run exists when a stop was requested already.
 *
 * @throws {PipelineError} `INTERRUPTED` naming the reason.
 */
export function refuseIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new PipelineError("INTERRUPTED", `Cannot start a run: ${stopReason(signal)}`, {
      stage: "runtime",
    });
  }
}

/** The stop request of one run, if it has one. */
export class RunStop {
  readonly #runId: number;
  /** Aborted by the stop request (its reason, e.g. `stopped by SIGTERM`, names it). */
  readonly signal: AbortSignal | undefined;

  constructor(runId: number, signal: AbortSignal | undefined) {
    this.#runId = runId;
    this.signal = signal;
  }

  /** Whether a stop was requested. */
  get requested(): boolean {
    return this.signal?.aborted ?? false;
  }

  /** The error a stopped run fails with. */
  error(): PipelineError {
    return new PipelineError(
      "INTERRUPTED",
      `Cannot finish run ${this.#runId}: ${
        stopReason(this.signal)
      }; the run was rolled back and nothing was published`,
      { stage: "runtime" },
    );
  }

  /** @throws {PipelineError} `INTERRUPTED` when a stop was requested. */
  throwIfStopped(): void {
    if (this.requested) throw this.error();
  }

  /** The bytes, until a stop request: then the read throws INTERRUPTED at once. */
  stoppable(bytes: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    return this.signal ? abortableIterable(bytes, this.signal, () => this.error()) : bytes;
  }

  /** The work's value, unless a stop request comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    return raceAbort(work, this.signal, () => this.error());
  }

  /**
   * Cancels the load transaction's statement in progress (a COPY, the key build, a check) on a
   * stop request, so the transaction rolls back at once instead of at the end of a long
   * statement. Sent again every half second until disposed, in case it fell between statements.
   *
   * @param tx The load transaction.
   * @param sql Another session, to send the cancel from.
   */
  async cancelOnStop(tx: TransactionSql, sql: Sql): Promise<Disposable> {
    const signal = this.signal;
    if (!signal) return { [Symbol.dispose]() {} };
    const [row] = await tx.unsafe<{ pid: number }[]>(await sqlText("runs/backend_pid"));
    const cancelText = await sqlText("runs/cancel_backend");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancel = () => {
      sql.unsafe(cancelText, [row!.pid]).catch(() => {});
      timer = setTimeout(cancel, 500);
    };
    signal.addEventListener("abort", cancel, { once: true });
    return {
      [Symbol.dispose]() {
        signal.removeEventListener("abort", cancel);
        clearTimeout(timer);
      },
    };
  }
}

function stopReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === "string" ? signal.reason : "stopped";
}
