// Owns a published data set made by the generator for serving tests: generated files in s3rver,
// loaded by a real run into a fresh database.
import { generateDataset } from "../../lib/generate/generate_dataset.ts";
import type { DbSettings, S3Settings } from "../../lib/config/settings.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { freshDatabase, targetsFor, type TestStore, uniqueBucket } from "./services.ts";

/** A generated data set, published. */
export interface GeneratedPublished {
  db: DbSettings;
  s3: S3Settings;
  listRows: number;
}

/**
 * Generates `animelistRows` rows (seeded, the bench's "modified" format), uploads them to a new
 * bucket of `store` and runs the pipeline into a fresh database.
 */
export async function publishGenerated(
  store: TestStore,
  options: { label: string; animelistRows: number },
): Promise<GeneratedPublished> {
  const dir = await Deno.makeTempDir({ prefix: `${options.label}-data-` });
  try {
    const dataset = await generateDataset(dir, {
      animelistRows: options.animelistRows,
      format: "modified",
      seed: 2020,
    });
    const bucket = uniqueBucket(options.label);
    await store.createBucket(bucket);
    for (const file of dataset.files) {
      await store.put(bucket, `data/${file.name}`, await Deno.readFile(file.path));
    }
    const s3 = store.settings(bucket, "data/");
    const db = await freshDatabase(options.label);
    const summary = await runEtl(targetsFor(s3, db, 0.5));
    if (summary.status !== "succeeded") {
      throw new Error(`the generated data set did not publish: ${summary.error?.message}`);
    }
    const list = dataset.files.find((file) => file.name.startsWith("animelist"))!;
    return { db, s3, listRows: list.rows };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
