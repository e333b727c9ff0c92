// Owns filling test buckets: the capstone's prefix, generated datasets and hand-written files,
// gzip bodies, and counting a body's physical lines the way the pipeline must.
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "../../lib/extract/s3_client.ts";
import {
  generateDataset,
  type GeneratedDataset,
  type GenerateOptions,
} from "../../lib/generate/generate_dataset.ts";
import type { TestStore } from "./services.ts";

/** The capstone's S3 prefix. */
export const PREFIX = "Anime_Recommendation_Dataset/";

/** A generated dataset as uploaded: what the generator reports, and each file's bytes by name. */
export interface UploadedDataset extends GeneratedDataset {
  bodies: Record<string, Uint8Array>;
}

/** Generates a dataset into a temporary folder and uploads it under `prefix`. */
export async function uploadDataset(
  store: TestStore,
  bucket: string,
  prefix: string,
  options: GenerateOptions,
): Promise<UploadedDataset> {
  const dir = await Deno.makeTempDir({ prefix: "dataset-" });
  try {
    const dataset = await generateDataset(dir, options);
    return { ...dataset, bodies: await uploadGenerated(store, bucket, prefix, dataset) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Uploads the files of a dataset generated already (whose folder the test still reads).
 *
 * @returns Each file's bytes by name.
 */
export async function uploadGenerated(
  store: TestStore,
  bucket: string,
  prefix: string,
  dataset: GeneratedDataset,
): Promise<Record<string, Uint8Array>> {
  const bodies: Record<string, Uint8Array> = {};
  for (const file of dataset.files) {
    bodies[file.name] = await Deno.readFile(file.path);
    await store.put(bucket, `${prefix}${file.name}`, bodies[file.name]!);
  }
  return bodies;
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
