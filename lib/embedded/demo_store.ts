// Owns the embedded default's S3 side: a local S3-compatible server (s3rver) holding the demo dataset.
/**
 * @example Serve the demo dataset for one run
 * ```ts ignore
 * import { startDemoStore } from "./demo_store.ts";
 * const store = await startDemoStore({ rootDir: ".data" });
 * console.log(store.s3.endpoint);
 * await store.close();
 * ```
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { join, resolve } from "node:path";
import type { S3Settings } from "../config/settings.ts";
import { PipelineError } from "../errors.ts";
import { createS3Client } from "../extract/s3_client.ts";
import { SOURCE_FILES } from "../extract/source_objects.ts";
import {
  DEFAULT_FIRST_DAY,
  DELTA_FOLDER,
  deltaDay,
  generateDataset,
  type GeneratedDelta,
} from "../generate/generate_dataset.ts";
import { createS3rver } from "./s3rver_server.ts";

/**
 * The demo dataset: the capstone's S3 layout, a size that loads in seconds, and a few daily deltas
 * of 1% each from the first day on (`deno task demo:next-day` adds the next).
 */
export const DEMO_DATASET = {
  bucket: "anime-recommendation-dataset",
  prefix: "Anime_Recommendation_Dataset/",
  animelistRows: 200_000,
  format: "modified",
  seed: 2020,
  deltas: 3,
  deltaRows: 2_000,
  firstDay: DEFAULT_FIRST_DAY,
} as const;

// s3rver checks signatures against these fixed, public development keys; they guard nothing.
const DEMO_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A running demo store. */
export interface DemoStore {
  /** Settings that point the pipeline at the store. */
  s3: S3Settings;
  /** Where the demo files are generated before upload. */
  sourceDir: string;
  /** The store's own folder of objects. */
  directory: string;
  close(): Promise<void>;
}

/** Options of {@link startDemoStore}. */
export interface DemoStoreOptions {
  /** Folder for the store's objects (`s3/`) and the generated files (`demo-source/`); default `.data`. */
  rootDir?: string;
  /** Called with a line when the demo dataset is generated; default console.error. */
  log?: (line: string) => void;
}

/**
 * Starts s3rver on a free loopback port and makes sure the demo dataset is in its bucket,
 * generating and uploading it on first use (later runs reuse it, so their ETags match).
 */
export async function startDemoStore(options: DemoStoreOptions = {}): Promise<DemoStore> {
  const rootDir = resolve(options.rootDir ?? ".data");
  const log = options.log ?? ((line: string) => console.error(line));
  const directory = join(rootDir, "s3");
  await Deno.mkdir(directory, { recursive: true });
  const server = createS3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: DEMO_DATASET.bucket, configs: [] }],
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    throw new PipelineError("DEMO_STORE", `Cannot start the demo S3 store in "${directory}"`, {
      stage: "runtime",
      cause: error,
    });
  }
  const s3: S3Settings = {
    ...DEMO_KEYS,
    region: "us-east-1",
    bucket: DEMO_DATASET.bucket,
    prefix: DEMO_DATASET.prefix,
    endpoint: `http://127.0.0.1:${address.port}`,
  };
  const sourceDir = join(rootDir, "demo-source");
  try {
    await ensureDemoObjects(s3, sourceDir, log);
  } catch (error) {
    await server.close();
    throw error;
  }
  return { s3, sourceDir, directory, close: () => server.close() };
}

/** What {@link addNextDemoDay} uploaded. */
export interface AddedDay {
  bucket: string;
  /** The object's full key, prefix included. */
  key: string;
  delta: GeneratedDelta;
}

/**
 * Adds the day after the store's last delta (the first day when it has none): the demo dataset's
 * next delta, generated from the same seed, so it updates and removes pairs that exist after the
 * days before it. Refuses a store whose deltas are not the demo's own days, in order.
 */
export async function addNextDemoDay(store: DemoStore): Promise<AddedDay> {
  const { s3, sourceDir } = store;
  const client = createS3Client(s3);
  try {
    const folder = `${s3.prefix}${DELTA_FOLDER}/`;
    const keys = (await listKeys(client, s3.bucket, folder)).filter((key) =>
      key.endsWith(".csv") || key.endsWith(".csv.gz")
    );
    keys.forEach((key, offset) => {
      const expected = `${folder}${deltaDay(DEMO_DATASET.firstDay, offset)}.csv`;
      if (key !== expected) {
        throw new PipelineError(
          "DEMO_STORE",
          `The demo store's deltas are not the demo's own days: found "${key}" where ` +
            `"${expected}" was expected; demo:next-day only extends its own sequence (remove ` +
            `${store.directory} to start the demo afresh)`,
          { stage: "runtime" },
        );
      }
    });
    const dataset = await generateDemoDataset(sourceDir, keys.length + 1);
    const delta = dataset.deltas[keys.length]!;
    const key = `${s3.prefix}${delta.file.name}`;
    await upload(client, s3.bucket, key, delta.file.path);
    return { bucket: s3.bucket, key, delta };
  } finally {
    client.destroy();
  }
}

async function ensureDemoObjects(s3: S3Settings, sourceDir: string, log: (line: string) => void) {
  const client = createS3Client(s3);
  try {
    const present = new Set(await listKeys(client, s3.bucket, s3.prefix));
    const snapshot = SOURCE_FILES.every((file) =>
      present.has(`${s3.prefix}${file}`) || present.has(`${s3.prefix}${file}.gz`)
    );
    if (snapshot) return;
    log(
      `demo:generate ${
        DEMO_DATASET.animelistRows.toLocaleString("en-US")
      } animelist rows and ${DEMO_DATASET.deltas} daily deltas into ${sourceDir}`,
    );
    const dataset = await generateDemoDataset(sourceDir, DEMO_DATASET.deltas);
    for (const file of [...dataset.files, ...dataset.deltas.map((delta) => delta.file)]) {
      await upload(client, s3.bucket, `${s3.prefix}${file.name}`, file.path);
    }
  } finally {
    client.destroy();
  }
}

function generateDemoDataset(sourceDir: string, deltas: number) {
  return generateDataset(sourceDir, {
    animelistRows: DEMO_DATASET.animelistRows,
    format: DEMO_DATASET.format,
    seed: DEMO_DATASET.seed,
    deltas,
    deltaRows: DEMO_DATASET.deltaRows,
    firstDay: DEMO_DATASET.firstDay,
  });
}

async function upload(client: S3Client, bucket: string, key: string, path: string): Promise<void> {
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: await Deno.readFile(path) }),
  );
}

/** Every key under `prefix`, in S3's (byte) order, across pages. */
async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
