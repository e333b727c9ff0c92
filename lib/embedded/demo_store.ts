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
import S3rver from "s3rver";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { join, resolve } from "node:path";
import type { S3Settings } from "../config/settings.ts";
import { PipelineError } from "../errors.ts";
import { createS3Client } from "../extract/s3_client.ts";
import { generateDataset } from "../generate/generate_dataset.ts";

/** The demo dataset: the capstone's S3 layout, and a size that loads in seconds. */
export const DEMO_DATASET = {
  bucket: "anime-recommendation-dataset",
  prefix: "Anime_Recommendation_Dataset/",
  animelistRows: 200_000,
  format: "modified",
  seed: 2020,
} as const;

// s3rver checks signatures against these fixed, public development keys; they guard nothing.
const DEMO_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A running demo store. */
export interface DemoStore {
  /** Settings that point the pipeline at the store. */
  s3: S3Settings;
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
  const server = new S3rver({
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
  try {
    await ensureDemoObjects(s3, join(rootDir, "demo-source"), log);
  } catch (error) {
    await server.close();
    throw error;
  }
  return { s3, close: () => server.close() };
}

async function ensureDemoObjects(s3: S3Settings, sourceDir: string, log: (line: string) => void) {
  const client = createS3Client(s3);
  try {
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: s3.prefix }),
    );
    if ((listed.KeyCount ?? 0) >= 4) return;
    log(
      `demo:generate ${
        DEMO_DATASET.animelistRows.toLocaleString("en-US")
      } animelist rows into ${sourceDir}`,
    );
    const dataset = await generateDataset(sourceDir, {
      animelistRows: DEMO_DATASET.animelistRows,
      format: DEMO_DATASET.format,
      seed: DEMO_DATASET.seed,
    });
    for (const file of dataset.files) {
      await client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: `${s3.prefix}${file.name}`,
          Body: await Deno.readFile(file.path),
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
