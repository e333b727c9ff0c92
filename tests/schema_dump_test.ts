// Pins the database schema, as graphile/worker does: the star schema a run publishes and the etl
// schema the migrations build are dumped and compared with the committed dumps under sql/schema/,
// so any change to a table, column, key or comment is a visible diff. After a deliberate change:
//   UPDATE_SCHEMA_DUMPS=1 deno test --allow-all tests/schema_dump_test.ts
// rewrites the dumps; review and commit them with the change.
import assert from "node:assert/strict";
import { dumpSchema } from "../lib/db/dump_schema.ts";
import { migrate } from "../lib/db/migrate.ts";
import { runEtl } from "../lib/run_etl.ts";
import { PREFIX, uploadDataset } from "./helpers/uploads.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
} from "./helpers/services.ts";

const DUMPS = new URL("../sql/schema/", import.meta.url);
const UPDATE = Deno.env.get("UPDATE_SCHEMA_DUMPS") === "1";

// Compares a dump with its pinned file, or rewrites the file when asked to.
async function assertPinned(dump: string, file: string) {
  const path = new URL(file, DUMPS);
  const header =
    `-- Pinned by tests/schema_dump_test.ts; regenerate: UPDATE_SCHEMA_DUMPS=1 deno test ` +
    `--allow-all tests/schema_dump_test.ts\n`;
  if (UPDATE) {
    await Deno.writeTextFile(path, header + dump);
    return;
  }
  const pinned = await Deno.readTextFile(path);
  assert.equal(
    header + dump,
    pinned,
    `sql/schema/${file} differs from the database; if the change is deliberate, regenerate it ` +
      "(see the header of tests/schema_dump_test.ts)",
  );
}

Deno.test("the star schema a run publishes equals sql/schema/star.sql", async () => {
  await using store = await startTestStore();
  const bucket = uniqueBucket("dump");
  await store.createBucket(bucket);
  await uploadDataset(store, bucket, PREFIX, { animelistRows: 2_000, animeRows: 80, seed: 4 });
  const db = await freshDatabase("dump");
  const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db, 0.05));
  assert.equal(summary.status, "succeeded", summary.error?.message);
  await using sql = connectTo(db);
  await assertPinned(await dumpSchema(sql, "public"), "star.sql");
});

Deno.test("the etl schema the migrations build equals sql/schema/etl.sql", async () => {
  const db = await freshDatabase("dump");
  await using sql = connectTo(db);
  await migrate(sql);
  await assertPinned(await dumpSchema(sql, "etl"), "etl.sql");
});
