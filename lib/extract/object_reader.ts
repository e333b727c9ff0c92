// Owns reading one S3 object as a byte stream that survives cuts: resume by Range, pinned to ETag.
/**
 * @example Stream an object's bytes (decompressed when it is .gz)
 * ```ts ignore
 * import { readObjectBytes } from "./object_reader.ts";
 * for await (const chunk of readObjectBytes(client, source, { stallTimeoutMs: 60_000 })) {
 *   console.log(chunk.length);
 * }
 * ```
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PipelineError } from "../errors.ts";
import { classifyS3Error } from "./s3_errors.ts";
import type { SourceObject } from "./source_objects.ts";

/** Options of {@link readObjectBytes}. */
export interface ReadObjectOptions {
  /** Milliseconds without a byte before the connection counts as cut; default 60,000. */
  stallTimeoutMs?: number;
  /** Attempts per object before giving up on transient failures; default 8. */
  maxAttempts?: number;
  /** First backoff delay in milliseconds, doubled per attempt with full jitter; default 250. */
  baseDelayMs?: number;
  /**
   * Reads only stored bytes `start` (inclusive) to `end` (exclusive), for parallel ranged reads of
   * a plain object; default the whole object. Not for gzip objects, which decompress from byte 0.
   */
  range?: { start: number; end: number };
  /** Called with the stored (compressed) bytes read so far, after each chunk. */
  onStoredBytes?: (bytesRead: number) => void;
  /**
   * Called before each retry: the attempt that failed (1-based, counted since the last byte
   * received), the byte offset it resumes from, the backoff delay before it and the reason.
   */
  onRetry?: (info: { attempt: number; offset: number; delayMs: number; reason: string }) => void;
  /** Stops the read at once: the request in flight is aborted and the read throws the reason. */
  signal?: AbortSignal;
}

/**
 * Streams an object's content. A cut, stall, throttling or 5xx resumes from the byte offset already
 * delivered with a `Range` request and `If-Match` on the listed ETag, so no byte is read twice or
 * skipped. Gzip objects are decompressed on the fly.
 *
 * @param client S3 client.
 * @param object The listed object (bucket, key, ETag, size).
 * @returns Decompressed content chunks.
 * @throws {PipelineError} `SOURCE_CHANGED` when the ETag differs, `SOURCE_DENIED`/`SOURCE_MISSING`
 *   at once on 403/404, `SOURCE_UNREADABLE` after the last attempt, `SOURCE_CORRUPT` for bad gzip;
 *   the signal's reason when it is aborted.
 */
export function readObjectBytes(
  client: S3Client,
  object: SourceObject,
  options: ReadObjectOptions = {},
): AsyncIterable<Uint8Array> {
  if (options.range !== undefined && object.gzip) {
    throw new RangeError(`Cannot read a byte range of "${object.key}": it is gzip-compressed`);
  }
  const stored = readStoredBytes(client, object, options);
  return object.gzip ? gunzip(stored, object, options.signal) : stored;
}

async function* readStoredBytes(
  client: S3Client,
  object: SourceObject,
  options: ReadObjectOptions,
): AsyncGenerator<Uint8Array> {
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const where = `"${object.bucket}/${object.key}"`;
  const end = options.range?.end ?? object.size;
  let offset = options.range?.start ?? 0;
  let attempt = 0;
  const signal = options.signal;
  while (offset < end) {
    signal?.throwIfAborted();
    attempt++;
    const abort = new AbortController();
    const stop = () => abort.abort();
    signal?.addEventListener("abort", stop);
    const ranged = offset > 0 || end < object.size;
    try {
      const response = await withStallTimeout(
        client.send(
          new GetObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            IfMatch: object.etag,
            ...(ranged ? { Range: `bytes=${offset}-${end < object.size ? end - 1 : ""}` } : {}),
          }),
          { abortSignal: abort.signal },
        ),
        stallTimeoutMs,
        abort,
      );
      // Every way out of this block aborts the request, which closes the body whether or not it
      // was read: a refused response (changed ETag, ignored Range) leaves no stream open.
      try {
        if (response.ETag !== undefined && response.ETag !== object.etag) {
          throw new PipelineError(
            "SOURCE_CHANGED",
            `Cannot read ${where}: the object changed since it was listed (ETag ${object.etag} became ${response.ETag})`,
            { stage: "extract" },
          );
        }
        if (ranged && !response.ContentRange?.startsWith(`bytes ${offset}-${end - 1}/`)) {
          throw new PipelineError(
            "SOURCE_UNREADABLE",
            `Cannot read ${where} from byte ${offset}: the server ignored the Range request`,
            { stage: "extract" },
          );
        }
        const body = response.Body as AsyncIterable<Uint8Array> | undefined;
        if (body === undefined) throw new Error("response has no body");
        const iterator = body[Symbol.asyncIterator]();
        for (;;) {
          const next = await withStallTimeout(iterator.next(), stallTimeoutMs, abort);
          if (next.done) break;
          const chunk = next.value;
          if (offset + chunk.length > end) {
            throw new PipelineError(
              "SOURCE_UNREADABLE",
              `Cannot read ${where}: the server sent bytes past ${end} for a range ending there`,
              { stage: "extract" },
            );
          }
          offset += chunk.length;
          // Progress: this request counts as the first attempt from the new offset.
          attempt = 1;
          options.onStoredBytes?.(offset);
          yield chunk;
        }
      } finally {
        abort.abort();
      }
      if (offset < end) {
        throw new Error(`connection ended at byte ${offset} of ${end}`);
      }
    } catch (error) {
      signal?.throwIfAborted();
      const failure = classifyS3Error(error, `read ${where}`);
      if (!failure.transient || attempt >= maxAttempts) {
        if (failure.transient) {
          throw new PipelineError(
            "SOURCE_UNREADABLE",
            `Cannot read ${where} after ${attempt} attempts: ${failure.message}`,
            { stage: "extract", cause: failure },
          );
        }
        throw failure;
      }
      const delayMs = Math.random() * baseDelayMs * 2 ** (attempt - 1);
      options.onRetry?.({ attempt, offset, delayMs, reason: failure.message });
      await sleep(delayMs, signal);
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  }
}

class StallError extends Error {
  override name = "StallError";
}

async function withStallTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  abort: AbortController,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new StallError(`no data for ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

async function* gunzip(
  stored: AsyncIterable<Uint8Array>,
  object: SourceObject,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const stream = ReadableStream.from(stored as AsyncIterable<BufferSource>).pipeThrough(
    new DecompressionStream("gzip"),
  );
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    signal?.throwIfAborted();
    throw new PipelineError(
      "SOURCE_CORRUPT",
      `Cannot decompress "${object.bucket}/${object.key}": not a valid gzip stream (${
        error instanceof Error ? error.message : String(error)
      })`,
      { stage: "extract", cause: error },
    );
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}
