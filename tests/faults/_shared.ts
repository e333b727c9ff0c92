// Owns what the fault tests share: uploading datasets, fingerprints of published data and of a run's
// accounting (to prove "exactly what a clean run loads"), progress capture and request matchers.
import assert from "node:assert/strict";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import type { DbSettings } from "../../lib/config/settings.ts";
import { createS3Client } from "../../lib/extract/s3_client.ts";
import { generateDataset, type GenerateOptions } from "../../lib/generate/generate_dataset.ts";
import { createProgress, type Progress } from "../../lib/runtime/progress.ts";
import type { RequestHead } from "../helpers/fault_proxy.ts";
import { connectTo, type TestStore } from "../helpers/services.ts";

/** The capstone's S3 prefix. */
export const PREFIX = "Anime_Recommendation_Dataset/";

/** Star tables in publish order. */
export const STAR_TABLES = [
  "anime_watching_status",
  "anime_master",
  "anime_meta",
  "anime_score_details",
  "anime_genre",
  "anime_synopsis",
  "anime_list",
] as const;

/** Generates a dataset into a temporary folder and uploads it under `prefix`. */
export async function uploadDataset(
  store: TestStore,
  bucket: string,
  prefix: string,
  options: GenerateOptions,
): Promise<Record<string, Uint8Array>> {
  const dir = await Deno.makeTempDir({ prefix: "faults-" });
  try {
    const dataset = await generateDataset(dir, options);
    const bodies: Record<string, Uint8Array> = {};
    for (const file of dataset.files) {
      bodies[file.name] = await Deno.readFile(file.path);
      await store.put(bucket, `${prefix}${file.name}`, bodies[file.name]!);
    }
    return bodies;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Uploads the given files under `prefix`. */
export async function uploadFiles(
  store: TestStore,
  bucket: string,
  prefix: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    await store.put(bucket, `${prefix}${name}`, body);
  }
}

/** A gzip stream of `text`. */
export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Physical lines of a body, counted here: line breaks (CRLF once), plus an unended last line. */
export async function physicalLines(body: string | Uint8Array, gzipped = false): Promise<number> {
  let bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  if (gzipped) {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  let lines = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10 || (bytes[i] === 13 && bytes[i + 1] !== 10)) lines++;
  }
  const last = bytes[bytes.length - 1];
  return lines + (bytes.length > 0 && last !== 10 && last !== 13 ? 1 : 0);
}

/** Deletes an object from the store. */
export async function deleteObject(store: TestStore, bucket: string, key: string): Promise<void> {
  const client = createS3Client(store.settings(bucket, ""));
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } finally {
    client.destroy();
  }
}

/** md5 of every published star table's rows in a stable order; `{}` when nothing is published. */
export async function publishedFingerprint(db: DbSettings): Promise<Record<string, string>> {
  const sql = connectTo(db);
  try {
    const fingerprint: Record<string, string> = {};
    for (const table of STAR_TABLES) {
      const [exists] = await sql`select to_regclass(${`public.${table}`}) is not null as found`;
      if (!exists?.found) continue;
      const [row] = await sql.unsafe(
        `select count(*)::int as n, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), ''))
           as digest from public.${table} t`,
      );
      fingerprint[table] = `${row!.n} ${row!.digest}`;
    }
    return fingerprint;
  } finally {
    await sql.end();
  }
}

/**
 * A run's accounting: per file rows read/loaded/quarantined, and a digest of its rejects (key with
 * `.gz` dropped, line, reason, detail, raw, raw bytes).
 */
export async function runFingerprint(db: DbSettings, runId: number): Promise<string[]> {
  const sql = connectTo(db);
  try {
    const files = await sql<{ line: string }[]>`
      select concat_ws(' ', source_file, rows_read, rows_loaded, rows_quarantined) as line
      from etl.run_files where run_id = ${runId} order by source_file`;
    const [rejects] = await sql<{ n: number; digest: string }[]>`
      select count(*)::int as n, md5(coalesce(string_agg(concat_ws('|',
        regexp_replace(source_key, '\\.gz$', ''), line_number, reason, detail, raw,
        encode(raw_bytes, 'hex')), E'\\n' order by source_key, line_number, reason), '')) as digest
      from etl.rejects where run_id = ${runId}`;
    return [...files.map((file) => file.line), `rejects ${rejects!.n} ${rejects!.digest}`];
  } finally {
    await sql.end();
  }
}

/** Asserts that a failed run left the published tables as they were and no staging schema. */
export async function assertNothingPublished(
  db: DbSettings,
  runId: number,
  before: Record<string, string>,
  error: { code: string; message: string },
): Promise<void> {
  assert.deepEqual(await publishedFingerprint(db), before, "published tables changed");
  const sql = connectTo(db);
  try {
    const [run] = await sql`select status, error from etl.runs where run_id = ${runId}`;
    assert.deepEqual({ ...run }, { status: "failed", error: `${error.code}: ${error.message}` });
    const [stage] =
      await sql`select count(*)::int as n from pg_namespace where nspname = 'etl_stage'`;
    assert.equal(stage?.n, 0, "etl_stage left behind");
  } finally {
    await sql.end();
  }
}

/** A plain progress reporter that keeps its lines. */
export function collectProgress(): { progress: Progress; lines: string[] } {
  const lines: string[] = [];
  const progress = createProgress({
    mode: "plain",
    plainIntervalSeconds: 3600,
    write: (text) => lines.push(...text.split("\n").filter((line) => line !== "")),
  });
  return { progress, lines };
}

/** Matches the GETs of one source object (by its file name at the end of the key). */
export function isGetOf(file: string): (request: RequestHead) => boolean {
  return (request) =>
    request.method === "GET" && !request.path.includes("list-type=") &&
    decodeURIComponent(request.path.split("?")[0]!).endsWith(`/${file}`);
}

/** Matches ListObjectsV2 requests. */
export function isListing(request: RequestHead): boolean {
  return request.method === "GET" && request.path.includes("list-type=2");
}

/** Fails instead of hanging: rejects when `promise` has not settled within `seconds`. */
export async function within<T>(seconds: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
