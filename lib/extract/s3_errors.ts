// Owns sorting S3 failures into transient (retry) and terminal (fail now, clearly) errors.
/**
 * @example A 404 is terminal
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyS3Error } from "./s3_errors.ts";
 * const error = classifyS3Error({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }, "read x");
 * assert.ok(error.code === "SOURCE_MISSING" && !error.transient);
 * ```
 */
import { PipelineError } from "../errors.ts";

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * Wraps an SDK or socket error: 403 → `SOURCE_DENIED`, 404 → `SOURCE_MISSING`, 412 →
 * `SOURCE_CHANGED` (all terminal); throttling, 5xx and network errors → transient
 * `SOURCE_UNREADABLE`. The message names the action and the HTTP status, never request headers; the
 * cause keeps only name, status, request id and message, because the SDK's error holds the raw
 * response and its request, whose Authorization header names the access key.
 *
 * @param error What the SDK threw.
 * @param action What was attempted, naming bucket and key, e.g. `read "bucket/key"`.
 */
export function classifyS3Error(error: unknown, action: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const sdk = (typeof error === "object" && error !== null ? error : {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? sdk.code ?? "Error";
  const detail = status ? `HTTP ${status} ${name}` : `${name}: ${safeMessage(error)}`;
  const make = (
    code: ConstructorParameters<typeof PipelineError>[0],
    what: string,
    transient: boolean,
  ) =>
    new PipelineError(code, `Cannot ${action}: ${what} (${detail})`, {
      stage: "extract",
      transient,
      cause: safeCause(name, status, sdk.$metadata?.requestId, error),
    });
  if (status === 403 || name === "AccessDenied") {
    return make("SOURCE_DENIED", "access denied", false);
  }
  if (status === 404 || name === "NoSuchKey" || name === "NoSuchBucket" || name === "NotFound") {
    return make("SOURCE_MISSING", "not found", false);
  }
  if (status === 412 || name === "PreconditionFailed") {
    return make("SOURCE_CHANGED", "the object changed since it was listed", false);
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return make("SOURCE_UNREADABLE", "request refused", false);
  }
  return make("SOURCE_UNREADABLE", "transient failure", true);
}

/**
 * A failed request to a store the caller fills itself (the bench's s3rver): an error whose message
 * names the operation, the bucket and key, the S3 error code with its HTTP status, and the server's
 * message, e.g. `DeleteObjects "bench/deltas/a.csv" and 2 more keys failed: InternalError (HTTP
 * 500): We encountered an internal error. Please try again.`. Like {@link classifyS3Error} it
 * keeps no request headers, and its cause only name, status, request id and message.
 *
 * @param error What the SDK threw.
 * @param operation The S3 operation, e.g. `PutObject`.
 * @param target Bucket and key (or prefix), e.g. `"bucket/key"`.
 */
export function s3RequestError(error: unknown, operation: string, target: string): Error {
  const sdk = (typeof error === "object" && error !== null ? error : {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.name ?? sdk.code ?? "Error";
  const code = status === undefined ? name : `${name} (HTTP ${status})`;
  return new Error(`${operation} ${target} failed: ${code}: ${safeMessage(error)}`, {
    cause: safeCause(name, status, sdk.$metadata?.requestId, error),
  });
}

function safeCause(
  name: string,
  status: number | undefined,
  requestId: string | undefined,
  error: unknown,
): Error {
  const cause = new Error(safeMessage(error));
  cause.name = name;
  return Object.assign(cause, { httpStatusCode: status, requestId });
}

function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Socket errors may quote the URL; strip any query string, where presigned credentials live.
  return message.replace(/\?[^\s"']*/g, "?…").slice(0, 300);
}
