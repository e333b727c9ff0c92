// Owns the bench's daily-delta rows: a delta applied to the published data by an incremental run,
// and a full refresh that replays several deltas, each timed from process start to publish.
/**
 * @example After the full refresh has published the snapshot
 * ```ts ignore
 * import { measureDeltas } from "./measure_deltas.ts";
 * const deltas = await measureDeltas({ s3, sql, files, runEtl, log });
 * console.log(deltas.incremental.seconds);
 * ```
 */
import type { Sql } from "postgres";
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { S3Settings } from "../config/settings.ts";
import { createS3Client } from "../extract/s3_client.ts";
import { DELTA_FOLDER, generateDataset } from "../generate/generate_dataset.ts";
import { sendToStore } from "./store_requests.ts";

/** A generated delta ready to upload. */
export interface DeltaFile {
  /** Key below the prefix, e.g. `animelist_updates/2026-12-01.csv`. */
  name: string;
  path: string;
  rows: number;
  bytes: number;
}

/** One timed `deno task etl` process. */
export interface TimedRun {
  seconds: number;
  peakRssBytes: number;
  /** The run's own time as it printed it (the rest is process start and S3 listing). */
  runSeconds: number;
}

/** What the run record says the run did: `full`, `incremental`, `skipped`, or `failed`. */
export type RunKind = string;

/** The delta rows of a bench report. */
export interface DeltaMeasures {
  /** Rows of each delta. */
  deltaRows: number;
  /** The first delta applied to the published data set by `deno task etl` (no --force). */
  incremental: TimedRun & { kind: RunKind; bytes: number };
  /** `deno task etl --force` with `replayed` deltas present. */
  replay: TimedRun & { kind: RunKind; replayed: number; bytes: number };
  /**
   * `deno task etl` after `anime.csv` changed alone (one anime removed), when measured: the
   * dimensions rebuilt and anime_list reconciled in place.
   */
  dimensions?: TimedRun & { kind: RunKind; bytes: number };
}

/**
 * The deltas of the bench's data set, generated once from the same seed as its snapshot and cached
 * beside it (the generator rewrites the identical snapshot into a scratch folder to get them).
 */
export async function ensureDeltaFiles(
  datasetDir: string,
  options: { animelistRows: number; deltaRows: number; count: number },
  log: (line: string) => void,
): Promise<DeltaFile[]> {
  const dir = `${datasetDir}-deltas-${options.count}x${options.deltaRows}`;
  const manifest = join(dir, "deltas.json");
  try {
    return JSON.parse(await Deno.readTextFile(manifest)) as DeltaFile[];
  } catch {
    // generate below
  }
  log(
    `bench:generate ${options.count} deltas of ${
      options.deltaRows.toLocaleString("en-US")
    } rows into ${dir}`,
  );
  const scratch = join(dir, "scratch");
  const dataset = await generateDataset(scratch, {
    animelistRows: options.animelistRows,
    format: "modified",
    seed: 2020,
    deltas: options.count,
    deltaRows: options.deltaRows,
  });
  await Deno.mkdir(join(dir, DELTA_FOLDER), { recursive: true });
  const files: DeltaFile[] = [];
  for (const { file } of dataset.deltas) {
    const path = join(dir, file.name);
    await Deno.rename(file.path, path);
    files.push({ name: file.name, path, rows: file.rows, bytes: file.bytes });
  }
  await Deno.remove(scratch, { recursive: true });
  await Deno.writeTextFile(manifest, JSON.stringify(files, null, 2));
  return files;
}

/** Removes every delta under the prefix, so a run starts from the snapshot alone. */
export async function clearDeltas(s3: S3Settings): Promise<void> {
  const client = createS3Client(s3);
  try {
    for (;;) {
      const listed = await sendToStore(
        client,
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${s3.prefix}${DELTA_FOLDER}/` }),
      );
      const keys = (listed.Contents ?? []).map((object) => ({ Key: object.Key! }));
      if (keys.length === 0) return;
      const deleted = await sendToStore(
        client,
        new DeleteObjectsCommand({ Bucket: s3.bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      // A refused key comes back in the answer of a request that succeeded: listing it again
      // would delete it again, for ever.
      const [refused] = deleted.Errors ?? [];
      if (refused) {
        throw new Error(
          `DeleteObjects "${s3.bucket}/${refused.Key}" failed: ${refused.Code}: ${refused.Message}` +
            ` (${deleted.Errors!.length} of ${keys.length} keys refused)`,
        );
      }
    }
  } finally {
    client.destroy();
  }
}

/** Options of {@link measureDeltas}. */
export interface MeasureDeltasOptions {
  s3: S3Settings;
  /** The bench database, for the run records. */
  sql: Sql;
  files: DeltaFile[];
  /** Runs `deno task etl` on the bench's targets, with or without --force. */
  runEtl: (force: boolean) => Promise<TimedRun>;
  /**
   * anime.csv changed (`name` "anime.csv") and the original to put back after: a run on the
   * changed dimension file alone is timed after the replay.
   */
  dimension?: { changed: DeltaFile; original: DeltaFile };
  log: (line: string) => void;
}

/**
 * With the snapshot published: uploads the first delta and times the run that applies it, then
 * uploads the rest and times a full refresh of the snapshot plus every delta.
 */
export async function measureDeltas(options: MeasureDeltasOptions): Promise<DeltaMeasures> {
  const { s3, sql, files, runEtl, log } = options;
  const [first, ...rest] = files;
  if (!first) throw new RangeError("measureDeltas needs at least one delta");
  log(`bench:delta deno task etl after ${first.name} (${first.rows.toLocaleString("en-US")} rows)`);
  await upload(s3, [first]);
  const incremental = {
    ...(await runEtl(false)),
    kind: await lastRunKind(sql),
    bytes: first.bytes,
  };
  log(`bench:replay deno task etl --force with ${files.length} deltas present`);
  await upload(s3, rest);
  const replay = {
    ...(await runEtl(true)),
    kind: await lastRunKind(sql),
    replayed: files.length,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
  };
  if (!options.dimension) return { deltaRows: first.rows, incremental, replay };
  const { changed, original } = options.dimension;
  log(`bench:dimensions deno task etl after ${changed.name} changed alone (one anime removed)`);
  await upload(s3, [changed]);
  try {
    const dimensions = {
      ...(await runEtl(false)),
      kind: await lastRunKind(sql),
      bytes: changed.bytes,
    };
    return { deltaRows: first.rows, incremental, replay, dimensions };
  } finally {
    // The store is reused by the next bench: its snapshot must be the generated one again.
    await upload(s3, [original]);
  }
}

/**
 * A copy of the data set's anime.csv without its last anime (one that list rows refer to), for
 * {@link measureDeltas}' dimension row; written once beside the data set.
 */
export async function changedAnimeFile(
  datasetDir: string,
): Promise<{ changed: DeltaFile; original: DeltaFile }> {
  const path = join(datasetDir, "anime.csv");
  const text = await Deno.readTextFile(path);
  const lines = text.replace(/\n+$/, "").split("\n");
  const changedPath = `${datasetDir}-anime-changed.csv`;
  const body = lines.slice(0, -1).join("\n") + "\n";
  await Deno.writeTextFile(changedPath, body);
  const file = async (at: string): Promise<DeltaFile> => ({
    name: "anime.csv",
    path: at,
    rows: 0,
    bytes: (await Deno.stat(at)).size,
  });
  return { changed: await file(changedPath), original: await file(path) };
}

/**
 * The kind the last run record names (`etl.runs` gains it with the daily deltas); a run record
 * without one is a full load when it published, else its status.
 */
async function lastRunKind(sql: Sql): Promise<RunKind> {
  const [row] = await sql<{ run: Record<string, unknown> }[]>`
    select to_jsonb(r) as run from etl.runs r order by run_id desc limit 1`;
  const run = row?.run ?? {};
  const kind = run.kind ?? run.run_kind;
  if (typeof kind === "string") return kind;
  return run.status === "succeeded" ? "full" : String(run.status ?? "none");
}

async function upload(s3: S3Settings, files: DeltaFile[]): Promise<void> {
  const client = createS3Client(s3);
  try {
    for (const file of files) {
      // The SDK's Node HTTP handler streams Node readables, not web streams.
      await sendToStore(
        client,
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: `${s3.prefix}${file.name}`,
          Body: createReadStream(file.path),
          ContentLength: file.bytes,
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
