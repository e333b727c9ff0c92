// Owns making long waits of a run give way to a stop request: a byte stream and a single promise.
/**
 * @example A stream stops at the next chunk once the signal aborts
 * ```ts
 * import assert from "node:assert/strict";
 * import { abortableIterable } from "./abortable.ts";
 * const stop = new AbortController();
 * async function* chunks() {
 *   yield 1;
 *   stop.abort();
 *   yield 2;
 * }
 * const seen: number[] = [];
 * await assert.rejects(async () => {
 *   for await (const chunk of abortableIterable(chunks(), stop.signal, () => new Error("stopped"))) {
 *     seen.push(chunk);
 *   }
 * }, /stopped/);
 * assert.deepEqual(seen, [1]);
 * ```
 */

/**
 * Passes the chunks of `source` on until `signal` aborts; then throws `makeError()` at once, even
 * while a chunk is still awaited (a stalled read), and closes the source.
 *
 * @param source The stream.
 * @param signal Aborts the stream.
 * @param makeError The error to throw.
 * @returns The same chunks.
 */
export async function* abortableIterable<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  makeError: () => Error,
): AsyncIterable<T> {
  if (!signal) return yield* source;
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await raceAbort(iterator.next(), signal, makeError);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Not awaited: a stalled read may never settle; return() asks the source to release it.
    iterator.return?.()?.catch(() => {});
  }
}

/**
 * Resolves as `promise` does, or rejects with `makeError()` as soon as `signal` aborts (the
 * promise keeps running; its owner must release what it holds).
 *
 * @param promise The work.
 * @param signal Aborts the wait.
 * @param makeError The error to reject with.
 * @returns The work's value.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  makeError: () => Error,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(makeError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(makeError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
