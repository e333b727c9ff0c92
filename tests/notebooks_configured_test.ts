// Executes the five notebooks top to bottom, unchanged, against a configured credentials.cfg, and
// checks that each shows what it promises and no credential.
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { runAll } from "./helpers/notebooks.ts";
import { freshDatabase, startTestStore, uniqueBucket, writeConfig } from "./helpers/services.ts";
import { PREFIX, uploadGenerated } from "./helpers/uploads.ts";

Deno.test("notebooks run unchanged against a configured credentials.cfg", async (t) => {
  const store = await startTestStore();
  const dir = await Deno.makeTempDir({ prefix: "notebooks-configured-" });
  try {
    const bucket = uniqueBucket("notebooks");
    await store.createBucket(bucket);
    const dataset = await generateDataset(`${dir}/source`, { animelistRows: 30_000, seed: 11 });
    await uploadGenerated(store, bucket, PREFIX, dataset);
    const s3 = store.settings(bucket, PREFIX);
    // The test cluster's password, which PostgreSQL requires: no notebook output may show it.
    const db = await freshDatabase("notebooks");
    const configPath = await writeConfig(dir, s3, db);
    await runAll(t, { ETL_CONFIG: configPath }, [s3.secretAccessKey, db.password]);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
