// Owns the pipeline's error type: a stable code, the stage that failed, and whether a retry can help.
/**
 * @example Classify a failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { PipelineError } from "./errors.ts";
 * const error = new PipelineError("SOURCE_MISSING", "Cannot find source file: \"anime.csv\"", {
 *   stage: "extract",
 * });
 * assert.ok(error.code === "SOURCE_MISSING" && !error.transient);
 * ```
 */

/** Pipeline stages, in the order a run goes through them; also used in logs as `stage:event`. */
export type Stage =
  | "config"
  | "extract"
  | "transform"
  | "load"
  | "quality"
  | "publish"
  | "export"
  | "runtime";

/** Stable error codes; the README lists each with its cause and remedy. */
export type ErrorCode =
  | "CONFIG_MISSING"
  | "CONFIG_INVALID"
  | "DB_UNREACHABLE"
  | "DB_INCOMPATIBLE"
  | "RUN_LOCKED"
  | "SOURCE_MISSING"
  | "SOURCE_AMBIGUOUS"
  | "SOURCE_DENIED"
  | "SOURCE_CHANGED"
  | "SOURCE_UNREADABLE"
  | "SOURCE_CORRUPT"
  | "CSV_EMPTY"
  | "CSV_HEADER"
  | "CSV_RECORD_TOO_LARGE"
  | "REJECT_THRESHOLD"
  | "QUALITY_FAILED"
  | "PUBLISH_BLOCKED"
  | "EMBEDDED_POSTGRES"
  | "DEMO_STORE"
  | "ROLE_REFUSED"
  | "EXPORT_NOT_PUBLISHED"
  | "EXPORT_SUPERSEDED"
  | "EXPORT_MISMATCH"
  | "EXPORT_TARGET"
  | "INTERRUPTED"
  | "SERVE_FAILED";

/** Options of {@link PipelineError}. */
export interface PipelineErrorOptions {
  /** Stage that failed. */
  stage: Stage;
  /** True when retrying the same operation may succeed (network cut, throttling); default false. */
  transient?: boolean;
  /** Underlying error; kept non-enumerable so that logging the error never prints its internals. */
  cause?: unknown;
}

/** An error with a stable code; message names the failed action first, details after a colon. */
export class PipelineError extends Error {
  override name = "PipelineError";
  readonly code: ErrorCode;
  readonly stage: Stage;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: PipelineErrorOptions) {
    super(message);
    this.code = code;
    this.stage = options.stage;
    this.transient = options.transient ?? false;
    // Causes can carry request objects with credentials; keep them out of enumeration and JSON.
    Object.defineProperty(this, "cause", { value: options.cause, enumerable: false });
  }
}

/** Returns the message of anything thrown, without stack or enumerable internals. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
