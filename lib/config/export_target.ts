// Owns the notation of an export target: a local folder, or `s3://BUCKET/PREFIX`; runs go under `run=N/`.
/**
 * @example Parse both kinds of target
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeExportTarget, parseExportTarget } from "./export_target.ts";
 * assert.deepEqual(parseExportTarget("s3://models/anime/"), {
 *   kind: "s3", bucket: "models", prefix: "anime",
 * });
 * assert.deepEqual(parseExportTarget("exports"), { kind: "directory", path: "exports" });
 * assert.equal(describeExportTarget({ kind: "s3", bucket: "models", prefix: "" }), "s3://models");
 * ```
 */

/** Where exports are written. Each run lands in its own folder (or key prefix) `run=N/` below it. */
export type ExportTarget =
  | { kind: "directory"; path: string }
  /** `prefix` has no leading or trailing `/`; empty for the bucket's root. */
  | { kind: "s3"; bucket: string; prefix: string };

// S3's bucket naming rules (lower-case letters, digits, dots and hyphens, 3 to 63 characters).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses a target: `s3://BUCKET` or `s3://BUCKET/PREFIX` for S3, anything else is a folder path.
 *
 * @param text The target as written, e.g. `exports` or `s3://models/anime`.
 * @returns The target.
 * @throws {Error} Naming the problem, when an `s3://` target has no valid bucket or holds `//`.
 */
export function parseExportTarget(text: string): ExportTarget {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("expected a folder or s3://BUCKET/PREFIX, got nothing");
  if (!/^s3:\/\//i.test(trimmed)) return { kind: "directory", path: trimmed };
  const rest = trimmed.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? "" : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, "");
  if (!BUCKET.test(bucket)) {
    throw new Error(
      `expected s3://BUCKET/PREFIX with a bucket name of 3 to 63 lower-case letters, digits, dots ` +
        `and hyphens, got "${trimmed}"`,
    );
  }
  if (prefix.includes("//")) {
    throw new Error(`expected no empty folder in the prefix, got "${trimmed}"`);
  }
  return { kind: "s3", bucket, prefix };
}

/**
 * The target as a user writes it: the folder path, or `s3://BUCKET/PREFIX`.
 *
 * @param target A parsed target.
 * @returns Its notation; {@link parseExportTarget} reads it back to the same target.
 */
export function describeExportTarget(target: ExportTarget): string {
  if (target.kind === "directory") return target.path;
  return `s3://${target.bucket}${target.prefix === "" ? "" : `/${target.prefix}`}`;
}

/**
 * Parses the location of one run's export, `TARGET/run=N`, as `--verify` takes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRunLocation } from "./export_target.ts";
 * assert.deepEqual(parseRunLocation("exports/run=12/"), {
 *   target: { kind: "directory", path: "exports" }, runId: 12,
 * });
 * assert.deepEqual(parseRunLocation("s3://models/anime/run=3"), {
 *   target: { kind: "s3", bucket: "models", prefix: "anime" }, runId: 3,
 * });
 * ```
 *
 * @throws {Error} Naming the problem when the last part is not `run=N`.
 */
export function parseRunLocation(text: string): { target: ExportTarget; runId: number } {
  const trimmed = text.trim().replace(/\/+$/, "");
  const match = /^(.*?)\/?run=([1-9]\d*)$/.exec(trimmed);
  if (!match) {
    throw new Error(`expected the folder of one run's export, ending in run=N, got "${text}"`);
  }
  return { target: parseExportTarget(match[1] === "" ? "." : match[1]!), runId: Number(match[2]) };
}
