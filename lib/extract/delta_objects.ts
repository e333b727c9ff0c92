// Owns finding the daily deltas under PREFIX + animelist_updates/: which keys count, their order
// (ascending bytes of the key) and the date each names.
/**
 * @example Keys sort by their bytes, and name their date
 * ```ts
 * import assert from "node:assert/strict";
 * import { asOfDate, compareKeys } from "./delta_objects.ts";
 * assert.ok(compareKeys("u/2026-12-01.csv", "u/2026-12-02.csv.gz") < 0);
 * assert.equal(asOfDate("2026-12-01.csv.gz"), "2026-12-01");
 * assert.equal(asOfDate("day-7.csv"), null);
 * ```
 */
import type { S3Settings } from "../config/settings.ts";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  DELTA_FOLDER,
  type DeltaFile,
  listPrefix,
  type ListRetryOptions,
  type SourceObject,
} from "./source_objects.ts";

/** A delta as listed, with the date its key names (null when none). */
export interface DeltaObject extends SourceObject {
  file: DeltaFile;
  asOf: string | null;
}

/**
 * Lists every object under PREFIX + `animelist_updates/` (nested folders included) whose key ends
 * in `.csv` or `.csv.gz`, in ascending byte order of the keys: the order they are applied in.
 */
export async function findDeltaObjects(
  client: S3Client,
  settings: S3Settings,
  options: ListRetryOptions = {},
): Promise<DeltaObject[]> {
  const listed = await listPrefix(client, settings, {
    ...options,
    prefix: settings.prefix + DELTA_FOLDER,
    nested: true,
  });
  const deltas: DeltaObject[] = [];
  for (const object of listed.values()) {
    const gzip = object.key.endsWith(".csv.gz");
    if (!gzip && !object.key.endsWith(".csv")) continue;
    deltas.push({
      ...object,
      file: object.key.slice(settings.prefix.length) as DeltaFile,
      bucket: settings.bucket,
      gzip,
      asOf: asOfDate(object.key.slice(settings.prefix.length + DELTA_FOLDER.length)),
    });
  }
  return deltas.sort((a, b) => compareKeys(a.key, b.key));
}

const utf8 = new TextEncoder();

/**
 * Compares two keys by their UTF-8 bytes, as S3 lists them (JavaScript's `<` compares UTF-16 code
 * units, which orders characters beyond U+FFFF differently).
 */
export function compareKeys(a: string, b: string): number {
  const left = utf8.encode(a);
  const right = utf8.encode(b);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    if (left[i] !== right[i]) return left[i]! - right[i]!;
  }
  return left.length - right.length;
}

/**
 * The last valid calendar date `YYYY-MM-DD` in a delta's key below `animelist_updates/` (folders
 * included: `2026/12/` is not a date, `2026-12-01/part-1.csv` is), else null.
 */
export function asOfDate(name: string): string | null {
  const dates = [...name.matchAll(/(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g)];
  for (const match of dates.reverse()) {
    const [text, year, month, day] = match as unknown as [string, string, string, string];
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    if (date.toISOString().slice(0, 10) === text) return text;
  }
  return null;
}
