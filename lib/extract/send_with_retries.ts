// Owns retrying one small S3 request (a listing page): transient failures and stalls are retried with
// exponential backoff and full jitter; terminal ones (403, 404, 412) fail at once.
/**
 * @example List a bucket, surviving throttling
 * ```ts ignore
 * import { ListObjectsV2Command } from "@aws-sdk/client-s3";
 * import { sendWithRetries } from "./send_with_retries.ts";
 * const page = await sendWithRetries(
 *   (abortSignal) => client.send(new ListObjectsV2Command({ Bucket: "b" }), { abortSignal }),
 *   { action: 'list bucket "b"' },
 * );
 * ```
 */
import { PipelineError } from "../errors.ts";
import { classifyS3Error } from "./s3_errors.ts";

/** Options of {@link sendWithRetries}. */
export interface SendRetryOptions {
  /** What is attempted, naming bucket and key, e.g. `list bucket "b" prefix "p/"`; used in errors. */
  action: string;
  /** Milliseconds without a response before the request counts as cut; default 60,000. */
  stallTimeoutMs?: number;
  /** Attempts before giving up on transient failures; default 8. */
  maxAttempts?: number;
  /** First backoff delay in milliseconds, doubled per attempt with full jitter; default 250. */
  baseDelayMs?: number;
  /** Called before each retry with the attempt that failed (1-based), the delay and the reason. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /**
   * Gives up: the request in flight is aborted and no retry follows; the call rejects with the
   * signal's reason. A run that lists while it connects aborts the listing when it fails first.
   */
  signal?: AbortSignal;
}

/**
 * Sends a command, retrying transient failures (throttling, 5xx, network errors, no response within
 * the stall timeout).
 *
 * @param send Sends the request once, aborting it when the signal fires (the S3 client's own
 *   retries should be off: `maxAttempts: 1`).
 * @returns The response.
 * @throws {PipelineError} At once for terminal failures (`SOURCE_DENIED`, `SOURCE_MISSING`, ...),
 *   `SOURCE_UNREADABLE` naming the attempts once the last one failed.
 */
export async function sendWithRetries<Output>(
  send: (abortSignal: AbortSignal) => Promise<Output>,
  options: SendRetryOptions,
): Promise<Output> {
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const given = options.signal;
  for (let attempt = 1;; attempt++) {
    given?.throwIfAborted();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), stallTimeoutMs);
    const giveUp = () => abort.abort();
    given?.addEventListener("abort", giveUp, { once: true });
    try {
      return await send(abort.signal);
    } catch (error) {
      given?.throwIfAborted();
      const cause = abort.signal.aborted
        ? new Error(`no response for ${stallTimeoutMs / 1000} s`, { cause: error })
        : error;
      const failure = classifyS3Error(cause, options.action);
      if (!failure.transient) throw failure;
      if (attempt >= maxAttempts) {
        throw new PipelineError(
          "SOURCE_UNREADABLE",
          `Cannot ${options.action} after ${attempt} attempts: ${failure.message}`,
          { stage: "extract", cause: failure },
        );
      }
      const delayMs = Math.random() * baseDelayMs * 2 ** (attempt - 1);
      options.onRetry?.({ attempt, delayMs, reason: failure.message });
      await backoff(delayMs, given);
    } finally {
      clearTimeout(timer);
      given?.removeEventListener("abort", giveUp);
    }
  }
}

// Waits out a retry's delay, or until the signal gives up (the next attempt then throws its reason).
function backoff(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    signal?.addEventListener("abort", done, { once: true });
  });
}
