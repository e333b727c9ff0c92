// Tests of [EXPORT] TARGET in runEtl: every successful run exports after publishing; a failed export
// is recorded with its own status, leaves the run succeeded and its data published, and is made up.
import assert from "node:assert/strict";
import type { DbSettings } from "../lib/config/settings.ts";
import { runEtl } from "../lib/run_etl.ts";
import { formatSummary } from "../lib/run/format_summary.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
} from "./helpers/services.ts";
import { PREFIX, uploadDataset } from "./helpers/uploads.ts";

async function exportsOf(db: DbSettings) {
  const sql = connectTo(db);
  try {
    return [
      ...await sql`select run_id::int, after_run_id::int, trigger, status, error
                   from etl.exports order by export_id`,
    ].map((row) => ({ ...row }));
  } finally {
    await sql.end();
  }
}

Deno.test("with [EXPORT] TARGET every successful run exports the run it published", async (t) => {
  const store = await startTestStore();
  const out = await Deno.makeTempDir({ prefix: "export-after-" });
  try {
    const bucket = uniqueBucket("after");
    await store.createBucket(bucket);
    await uploadDataset(store, bucket, PREFIX, { animelistRows: 3_000, animeRows: 200, seed: 5 });
    const db = await freshDatabase("after");
    const targets = (path: string) => ({
      // A 200-anime data set quarantines about 1.5% of its synopsis lines (orphans, on purpose).
      ...targetsFor(store.settings(bucket, PREFIX), db, 0.05),
      exportTarget: { kind: "directory" as const, path },
    });

    await t.step("a run that publishes exports it, and its summary says so", async () => {
      const run = await runEtl(targets(`${out}/good`));
      assert.equal(run.status, "succeeded", run.error?.message);
      assert.equal(run.export?.status, "succeeded", run.export?.error?.message);
      assert.equal(run.export?.location, `${out}/good/run=1`);
      await Deno.stat(`${out}/good/run=1/manifest.json`);
      assert.match(
        formatSummary(run, "postgres://u@h:1/d"),
        new RegExp(`^export run 1: succeeded in [\\d.]+ s: ${out}/good/run=1, \\d+ files, `, "m"),
      );
      assert.deepEqual(await exportsOf(db), [
        { run_id: 1, after_run_id: 1, trigger: "after-run", status: "succeeded", error: null },
      ]);
    });

    await t.step(
      "an export that fails leaves the run succeeded and its data published",
      async () => {
        // A file where the target folder should be: the export cannot create it.
        await Deno.writeTextFile(`${out}/blocked`, "not a folder");
        const run = await runEtl(targets(`${out}/blocked/exports`), { force: true });
        assert.equal(run.status, "succeeded");
        assert.equal(run.export?.status, "failed");
        assert.equal(run.export?.error?.code, "EXPORT_TARGET");
        assert.match(
          run.export!.error!.message,
          /^Cannot read .*\/blocked\/exports\/run=2\/manifest\.json: Not a directory/,
        );
        const sql = connectTo(db);
        try {
          const [latest] =
            await sql`select run_id::int, status from etl.runs order by run_id desc limit 1`;
          assert.deepEqual({ ...latest }, { run_id: 2, status: "succeeded" });
          const [published] = await sql`select count(*)::int as n from anime_list`;
          assert.ok(published!.n > 2_900);
        } finally {
          await sql.end();
        }
        const rows = await exportsOf(db);
        assert.equal(rows.length, 2);
        assert.deepEqual({ ...rows[1], error: undefined }, {
          run_id: 2,
          after_run_id: 2,
          trigger: "after-run",
          status: "failed",
          error: undefined,
        });
        assert.match(rows[1]!.error, /^EXPORT_TARGET: Cannot read .*blocked/);
      },
    );

    await t.step("the next run, skipped, makes up the export that failed", async () => {
      const run = await runEtl(targets(`${out}/good`));
      assert.equal(run.status, "skipped");
      assert.equal(run.export?.status, "succeeded", run.export?.error?.message);
      assert.equal(run.export?.runId, 2);
      await Deno.stat(`${out}/good/run=2/manifest.json`);
      assert.deepEqual((await exportsOf(db)).at(-1), {
        run_id: 2,
        after_run_id: 3,
        trigger: "after-run",
        status: "succeeded",
        error: null,
      });
    });

    await t.step("a skipped run whose published run is exported there adds nothing", async () => {
      const before = await exportsOf(db);
      const run = await runEtl(targets(`${out}/good`));
      assert.equal(run.status, "skipped");
      assert.equal(run.export?.status, "skipped");
      assert.match(run.export?.note ?? "", /^export \d+ already wrote run 2 to /);
      assert.deepEqual(await exportsOf(db), before);
    });
  } finally {
    await store.close();
    await Deno.remove(out, { recursive: true });
  }
});
