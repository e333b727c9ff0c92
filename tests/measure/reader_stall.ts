// Measures how long readers wait while a publish is blocked by a long reader, on the test cluster:
//   deno run --allow-all tests/measure/reader_stall.ts [--rows 100000] [--hold 5] [--readers 4]
// Publishes a generated data set, then holds a transaction that read public.anime_list, starts a
// forced run, and once the run waits for its lock keeps the reader --hold seconds longer while
// --readers sessions query anime_list in a loop. Prints the readers' worst query latency during
// the run, their query count and the run's outcome.
import { parseArgs } from "node:util";
import { runEtl } from "../../lib/run_etl.ts";
import { freshDatabase, startTestStore, targetsFor, uniqueBucket } from "../helpers/services.ts";
import { holdTransaction, lockRequestWaits, whileReading } from "../helpers/sessions.ts";
import { PREFIX, uploadDataset } from "../helpers/uploads.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    hold: { type: "string", default: "5" },
    readers: { type: "string", default: "4" },
  },
});
await using store = await startTestStore();
const bucket = uniqueBucket("stall");
await store.createBucket(bucket);
await uploadDataset(store, bucket, PREFIX, {
  animelistRows: Number(values.rows),
  animeRows: 500,
  seed: 3,
});
const db = await freshDatabase("stall");
const targets = targetsFor(store.settings(bucket, PREFIX), db);
const first = await runEtl(targets);
if (first.status !== "succeeded") throw new Error(`first run: ${first.error?.message}`);
await using reader = await holdTransaction(db, "select count(*) from public.anime_list");
const held = performance.now();
const { value: summary, worstMs, queries } = await whileReading(db, async () => {
  const running = runEtl(targets, { force: true });
  await lockRequestWaits(db, running);
  await new Promise((resolve) => setTimeout(resolve, Number(values.hold) * 1000));
  reader.release();
  return await running;
}, Number(values.readers));
console.log(JSON.stringify({
  rows: Number(values.rows),
  holdAfterLockRequestSeconds: Number(values.hold),
  readerHeldSeconds: Number(((performance.now() - held) / 1000).toFixed(1)),
  readers: Number(values.readers),
  queries,
  worstReaderMs: Math.round(worstMs),
  run: summary.status,
  ...(summary.error ? { error: summary.error.code } : {}),
}));
