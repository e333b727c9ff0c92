// Tests of the demo store's daily deltas and `deno task demo:next-day`, against the real store
// (s3rver in .data/s3 of a temporary working folder).
import assert from "node:assert/strict";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { DbSettings } from "../lib/config/settings.ts";
import { createS3Client } from "../lib/extract/s3_client.ts";
import { DEMO_DATASET, type DemoStore, startDemoStore } from "../lib/embedded/demo_store.ts";
import { type DeltaLedger, generateDataset } from "../lib/generate/generate_dataset.ts";
import { portFromEnv } from "./helpers/ports.ts";
import { runScript } from "./helpers/project_script.ts";
import { connectTo } from "./helpers/services.ts";

const DELTAS = `${DEMO_DATASET.prefix}animelist_updates/`;
/** The embedded default's PostgreSQL for this test: its own, apart from the CLI tests'. */
const DEMO_PORT = String(portFromEnv("TEST_DEMO_PORT"));

async function withStore<T>(cwd: string, fn: (store: DemoStore, client: S3Client) => Promise<T>) {
  const store = await startDemoStore({ rootDir: `${cwd}/.data`, log: () => {} });
  const client = createS3Client(store.s3);
  try {
    return await fn(store, client);
  } finally {
    client.destroy();
    await store.close();
  }
}

async function keys(client: S3Client, prefix: string): Promise<string[]> {
  const listed = await client.send(
    new ListObjectsV2Command({ Bucket: DEMO_DATASET.bucket, Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!);
}

async function body(client: S3Client, key: string): Promise<Uint8Array> {
  const object = await client.send(new GetObjectCommand({ Bucket: DEMO_DATASET.bucket, Key: key }));
  return await object.Body!.transformToByteArray();
}

/** The embedded database of `cwd`, as `deno task etl` left it. */
async function embeddedDb(cwd: string): Promise<DbSettings> {
  return {
    host: "127.0.0.1",
    port: Number(DEMO_PORT),
    database: "anime",
    user: "postgres",
    password: (await Deno.readTextFile(`${cwd}/.data/postgres-password`)).trim(),
  };
}

/** The counts etl.run_files holds for each delta the last run applied, in key order. */
async function appliedDeltas(cwd: string) {
  await using sql = connectTo(await embeddedDb(cwd));
  const rows = await sql<{ key: string; kind: string; counts: DeltaLedger; setRows: number }[]>`
    select f.source_file as key, r.kind,
           json_build_object(
             'rows', f.rows_read, 'inserted', f.rows_inserted, 'updated', f.rows_updated,
             'removed', f.rows_removed, 'absentRemovals', f.absent_removals,
             'superseded', f.rows_superseded, 'quarantined', f.rows_quarantined
           ) as counts,
           (select count(*)::int from anime_list l where l.source_id = f.source_id) as "setRows"
    from etl.run_files f join etl.runs r using (run_id)
    where f.run_id = (select max(run_id) from etl.runs) and f.source_file like 'animelist_updates/%'
    order by f.source_file`;
  return rows.map((row) => ({ ...row, counts: { ...row.counts } }));
}

/** The ledger as etl.run_files states it: the reject reasons are summed there. */
function asRecorded(ledger: DeltaLedger) {
  const { quarantined, ...counts } = ledger;
  return {
    ...counts,
    quarantined: quarantined.unknown_anime_id + quarantined.unknown_watching_status,
  };
}

Deno.test("demo:next-day adds the day after the last delta to the demo store", async (t) => {
  const cwd = await Deno.makeTempDir({ prefix: "demo-next-day-" });
  // The embedded server runs as an unprivileged user when we are root; it must reach the folder.
  await Deno.chmod(cwd, 0o755);
  const env = { ETL_EMBEDDED_PORT: DEMO_PORT };
  const expectedDir = await Deno.makeTempDir({ prefix: "demo-next-day-expected-" });
  try {
    // The demo's own recipe with two more days: what the store must hold after two next-days.
    const expected = await generateDataset(expectedDir, {
      animelistRows: DEMO_DATASET.animelistRows,
      format: DEMO_DATASET.format,
      seed: DEMO_DATASET.seed,
      deltas: DEMO_DATASET.deltas + 2,
      deltaRows: DEMO_DATASET.deltaRows,
      firstDay: DEMO_DATASET.firstDay,
    });
    await t.step("a new demo store holds the snapshot and its first days", async () => {
      await withStore(cwd, async (_store, client) => {
        assert.deepEqual(await keys(client, DELTAS), [
          `${DELTAS}2026-12-01.csv`,
          `${DELTAS}2026-12-02.csv`,
          `${DELTAS}2026-12-03.csv`,
        ]);
        const all = await keys(client, DEMO_DATASET.prefix);
        for (const file of ["anime.csv", "anime_with_synopsis.csv", "watching_status.csv"]) {
          assert.ok(all.includes(`${DEMO_DATASET.prefix}${file}`), file);
        }
        for (const delta of expected.deltas.slice(0, DEMO_DATASET.deltas)) {
          assert.deepEqual(
            await body(client, `${DEMO_DATASET.prefix}${delta.file.name}`),
            await Deno.readFile(delta.file.path),
          );
        }
      });
    });
    await t.step("deno task etl applies the three days in its full refresh", async () => {
      const run = await runScript("lib/cli/etl.ts", [], { cwd, env });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /^full refresh: /m);
      const applied = await appliedDeltas(cwd);
      assert.deepEqual(
        applied.map((delta) => [delta.key, delta.kind, delta.counts]),
        expected.deltas.slice(0, DEMO_DATASET.deltas).map((delta) => [
          delta.file.name,
          "full",
          asRecorded(delta.expected),
        ]),
      );
    });
    for (const [step, day] of [[0, "2026-12-04"], [1, "2026-12-05"]] as const) {
      await t.step(`demo:next-day adds ${day}, the day after the last key`, async () => {
        const run = await runScript("lib/cli/demo_next_day.ts", [], { cwd });
        assert.equal(run.code, 0, run.stderr);
        const key = `${DELTAS}${day}.csv`;
        const delta = expected.deltas[DEMO_DATASET.deltas + step]!;
        const e = delta.expected;
        assert.match(
          run.stdout,
          new RegExp(
            `^demo:next-day added s3://${DEMO_DATASET.bucket}/${key} \\(as of ${day}\\)$`,
            "m",
          ),
        );
        assert.ok(
          run.stdout.includes(
            `2,000 rows: ${e.updated.toLocaleString("en-US")} updated, ` +
              `${e.inserted} inserted, ${e.removed} removed, ${e.absentRemovals} removals of absent ` +
              `pairs, ${e.superseded} superseded`,
          ),
          run.stdout,
        );
        await withStore(cwd, async (_store, client) => {
          const present = await keys(client, DELTAS);
          assert.equal(present.at(-1), key);
          assert.equal(present.length, DEMO_DATASET.deltas + step + 1);
          assert.deepEqual(await body(client, key), await Deno.readFile(delta.file.path));
        });
      });
      if (step > 0) continue;
      await t.step(`the next deno task etl is an incremental run applying ${day}`, async () => {
        const run = await runScript("lib/cli/etl.ts", [], { cwd, env });
        assert.equal(run.code, 0, run.stderr + run.stdout);
        assert.match(run.stdout, /^incremental run: /m);
        const delta = expected.deltas[DEMO_DATASET.deltas]!;
        const [applied, ...more] = await appliedDeltas(cwd);
        assert.equal(more.length, 0, "only the new day");
        assert.deepEqual(applied, {
          key: delta.file.name,
          kind: "incremental",
          counts: asRecorded(delta.expected),
          // Rows whose last event is this day's: its inserts and updates.
          setRows: delta.expected.inserted + delta.expected.updated,
        });
      });
    }
    await t.step("a delta the demo did not write is refused, naming it", async () => {
      const foreign = `${DELTAS}2027-01-01.csv`;
      await withStore(cwd, async (_store, client) => {
        await client.send(
          new PutObjectCommand({
            Bucket: DEMO_DATASET.bucket,
            Key: foreign,
            Body: "user_id,anime_id,rating,watching_status,watched_episodes\n",
          }),
        );
      });
      const run = await runScript("lib/cli/demo_next_day.ts", [], { cwd });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /^demo:failed .*not the demo's own days: found ".*2027-01-01\.csv"/m,
      );
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
      await withStore(cwd, async (_store, client) => {
        assert.equal((await keys(client, DELTAS)).length, DEMO_DATASET.deltas + 3, "nothing added");
      });
    });
  } finally {
    await runScript("lib/cli/db_stop.ts", [], { cwd, env }).catch(() => {});
    await Deno.remove(cwd, { recursive: true });
    await Deno.remove(expectedDir, { recursive: true });
  }
});
