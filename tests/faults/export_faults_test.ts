// Faults in the middle of an export: a stop request and the export's PostgreSQL sessions terminated
// after its first file. Each fails promptly with its code, leaves nothing at the target (not even a
// staging folder) nor in the folder the rows were spilled to, records the failure when it can, and
// the next export succeeds.
import assert from "node:assert/strict";
import type { DbSettings } from "../../lib/config/settings.ts";
import { exportRun } from "../../lib/export/export_run.ts";
import { createProgress } from "../../lib/runtime/progress.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { temporaryDirectory } from "../helpers/disposables.ts";
import { within } from "../helpers/observe.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
} from "../helpers/services.ts";
import { PREFIX, uploadDataset } from "../helpers/uploads.ts";

// Many small files, so that the fault lands with most of the export still to write.
const LAYOUT = { chunkRows: 1_000, rowsPerGroup: 500, groupsPerFile: 2 };
// Every connection of an export carries this application_name.
const EXPORT_APPLICATION = "anime-export";

async function publishedDatabase(label: string): Promise<{ db: DbSettings } & AsyncDisposable> {
  const store = await startTestStore();
  try {
    const bucket = uniqueBucket(label);
    await store.createBucket(bucket);
    await uploadDataset(store, bucket, PREFIX, { animelistRows: 6_000, animeRows: 300, seed: 31 });
    const db = await freshDatabase(label);
    const run = await runEtl(targetsFor(store.settings(bucket, PREFIX), db, 0.05));
    assert.equal(run.status, "succeeded", run.error?.message);
    return { db, [Symbol.asyncDispose]: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A progress reporter that calls `onFirstFile` once, when the export has written its first file. */
function onFirstFile(action: () => void | Promise<void>) {
  let fired: Promise<void> | undefined;
  const progress = createProgress({
    mode: "plain",
    plainIntervalSeconds: 3600,
    write: (text) => {
      if (fired === undefined && text.startsWith("export:file ")) fired = Promise.resolve(action());
    },
  });
  return { progress, fired: () => fired };
}

async function entriesOf(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

async function exportsOf(db: DbSettings) {
  await using sql = connectTo(db);
  return [...await sql`select status, error from etl.exports order by export_id`].map((row) => ({
    ...row,
  }));
}

Deno.test("a stop request in the middle of an export writes nothing and records INTERRUPTED", async () => {
  await using world = await publishedDatabase("xstop");
  await using out = await temporaryDirectory("export-stop-");
  await using spill = await temporaryDirectory("export-stop-spill-");
  const stop = new AbortController();
  const { progress, fired } = onFirstFile(() => stop.abort("stopped by SIGINT"));
  const summary = await within(
    30,
    "the stopped export",
    exportRun({
      db: world.db,
      target: { kind: "directory", path: out.path },
      layout: LAYOUT,
      progress,
      signal: stop.signal,
      tempDir: spill.path,
    }),
  );
  assert.ok(fired(), "the export wrote a first file");
  assert.equal(summary.status, "failed");
  assert.equal(summary.error?.code, "INTERRUPTED");
  assert.match(
    summary.error!.message,
    /^Cannot finish the export of run 1: stopped by SIGINT; nothing was written to /,
  );
  assert.deepEqual(await entriesOf(out.path), [], "no run=1, no staging folder");
  assert.deepEqual(await entriesOf(spill.path), [], "the spilled rows are removed");
  const [recorded] = await exportsOf(world.db);
  assert.equal(recorded?.status, "failed");
  assert.match(recorded?.error, /^INTERRUPTED: /);

  const again = await exportRun({
    db: world.db,
    target: { kind: "directory", path: out.path },
    layout: LAYOUT,
  });
  assert.equal(again.status, "succeeded", again.error?.message);
  assert.deepEqual(await entriesOf(out.path), ["run=1"]);
});

Deno.test(
  "an export whose PostgreSQL sessions are terminated fails with DB_UNREACHABLE and writes nothing",
  async () => {
    await using world = await publishedDatabase("xlost");
    await using out = await temporaryDirectory("export-lost-");
    await using spill = await temporaryDirectory("export-lost-spill-");
    await using admin = connectTo(world.db);
    const { progress, fired } = onFirstFile(async () => {
      await admin`select pg_terminate_backend(pid) from pg_stat_activity
                  where application_name = ${EXPORT_APPLICATION} and pid <> pg_backend_pid()`;
    });
    const summary = await within(
      30,
      "the export that lost its sessions",
      exportRun({
        db: world.db,
        target: { kind: "directory", path: out.path },
        layout: LAYOUT,
        progress,
        tempDir: spill.path,
      }).catch((error) => ({ status: "thrown" as const, error })),
    );
    assert.ok(fired(), "the export wrote a first file");
    await fired();
    assert.equal(summary.status, "failed", JSON.stringify(summary));
    assert.equal(summary.error?.code, "DB_UNREACHABLE");
    assert.match(
      summary.error!.message,
      /^Cannot finish the export of run 1: lost the connection to PostgreSQL .*; nothing was written to /,
    );
    assert.deepEqual(await entriesOf(out.path), [], "no run=1, no staging folder");
    assert.deepEqual(await entriesOf(spill.path), [], "the spilled rows are removed");

    // The next export succeeds, and no export is left marked running.
    const again = await exportRun({
      db: world.db,
      target: { kind: "directory", path: out.path },
      layout: LAYOUT,
    });
    assert.equal(again.status, "succeeded", again.error?.message);
    const statuses = (await exportsOf(world.db)).map((row) => row.status);
    assert.deepEqual(statuses, ["failed", "succeeded"]);
  },
);
