// End-to-end tests of `deno task export` as a subprocess, and of `deno task etl` exporting after the
// run when [EXPORT] TARGET is set: folder and s3rver targets, --verify, --run and usage errors.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { runScript } from "./helpers/project_script.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import { PREFIX, uploadDataset } from "./helpers/uploads.ts";

Deno.test("deno task export writes, skips, verifies and refuses from the command line", async (t) => {
  const store = await startTestStore();
  const cwd = await Deno.makeTempDir({ prefix: "export-cli-" });
  try {
    const bucket = uniqueBucket("xcli");
    await store.createBucket(bucket);
    await uploadDataset(store, bucket, PREFIX, { animelistRows: 4_000, animeRows: 300, seed: 23 });
    const db = await freshDatabase("xcli");
    const after = `${cwd}/after`;
    const config = await writeConfig(
      cwd,
      store.settings(bucket, PREFIX),
      db,
      // A 300-anime data set quarantines over 1% of its synopsis lines (orphans, on purpose).
      `\n[ETL]\nREJECT_THRESHOLD = 0.05\n\n[EXPORT]\nTARGET = ${after}\n`,
    );
    const exportCli = (args: string[], env: Record<string, string> = {}) =>
      runScript("lib/cli/export.ts", ["--config", config, ...args], { cwd, env });

    await t.step("deno task etl exports the run it published to [EXPORT] TARGET", async () => {
      const run = await runScript("lib/cli/etl.ts", ["--config", config, "--quiet"], { cwd });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /^run 1: succeeded in /m);
      assert.match(
        run.stdout,
        new RegExp(`^export run 1: succeeded in [\\d.]+ s: ${after}/run=1, `, "m"),
      );
      await Deno.stat(`${after}/run=1/manifest.json`);
    });

    const out = `${cwd}/out`;
    await t.step(
      "--out writes the published run, shows the scan's progress, and polars reads it back in one line",
      async () => {
        const first = await exportCli(["--out", out]);
        assert.equal(first.code, 0, first.stderr + first.stdout);
        // Between export:start and the first file, the scan says how far it is.
        const events = first.stderr.split("\n").filter((line) => line.startsWith("export:"));
        const kinds = events.map((line) => line.split(" ")[0]);
        assert.deepEqual(kinds.slice(0, 2), ["export:start", "export:scan"], first.stderr);
        assert.equal(kinds.indexOf("export:scan") < kinds.indexOf("export:file"), true);
        assert.match(
          events[1]!,
          /^export:scan [\d,]+ rows read of about [\d,]+ \(\d+%\) in [\d.]+ s, sorting and writing$/,
        );
        const [, read] = /^export:scan ([\d,]+) rows/.exec(events[1]!)!;
        assert.match(
          first.stdout,
          new RegExp(`^export run 1: succeeded in [\\d.]+ s: ${out}/run=1, `, "m"),
        );
        assert.match(first.stdout, /^read: pl\.scanParquet\(".*\/out\/run=1\/interactions\/"\)/m);
        const frame = pl.scanParquet(`${out}/run=1/interactions/`).collectSync();
        await using sql = connectTo(db);
        const [published] = await sql`select count(*)::int as n from anime_list`;
        assert.equal(frame.height, published!.n);
        assert.equal(Number(read!.replaceAll(",", "")), published!.n);
        // The same run, exported by the run and by the command: the same bytes.
        for (const name of ["interactions/part-00000.parquet", "anime/part-00000.parquet"]) {
          assert.deepEqual(
            await Deno.readFile(`${out}/run=1/${name}`),
            await Deno.readFile(`${after}/run=1/${name}`),
          );
        }
      },
    );

    await t.step("a second export of the run is skipped: its manifest matches", async () => {
      const again = await exportCli(["--out", out, "--quiet"]);
      assert.equal(again.code, 0, again.stderr + again.stdout);
      assert.match(again.stdout, /^export run 1: skipped/m);
    });

    await t.step("--verify checks an export against its manifest and the database", async () => {
      const verified = await exportCli(["--verify", `${out}/run=1`]);
      assert.equal(verified.code, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /^verify:ok interactions\/part-00000\.parquet [\d,]+ rows/m);
      assert.match(verified.stdout, /matches its manifest .* it is the published run/);
    });

    await t.step("--verify of a corrupted file fails, naming the file", async () => {
      const path = `${after}/run=1/anime/part-00000.parquet`;
      const bytes = await Deno.readFile(path);
      bytes[bytes.length >> 1]! ^= 0xff;
      await Deno.writeFile(path, bytes);
      const verified = await exportCli(["--verify", `${after}/run=1`]);
      assert.equal(verified.code, 1, verified.stdout);
      assert.match(verified.stdout, /^verify:failed anime\/part-00000\.parquet/m);
      assert.match(
        verified.stderr,
        /^export:failed EXPORT_MISMATCH: Cannot verify .*anime\/part-00000\.parquet/m,
      );
    });

    await t.step("--run refuses a run that is not the published one, naming it", async () => {
      const refused = await exportCli(["--out", out, "--run", "7"]);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(
        refused.stderr,
        /^export:failed EXPORT_NOT_PUBLISHED: Cannot export run 7: it is not the published run \(there is no such run\); the published run is 1: deno task export --run 1$/m,
      );
      await assert.rejects(Deno.stat(`${out}/run=7`));
    });

    await t.step(
      "--to s3:// uploads the export, and --verify reads it from the bucket",
      async () => {
        const exports = uniqueBucket("xout");
        await store.createBucket(exports);
        const uploaded = await exportCli(["--to", `s3://${exports}/training`, "--quiet"]);
        assert.equal(uploaded.code, 0, uploaded.stderr + uploaded.stdout);
        assert.match(
          uploaded.stdout,
          new RegExp(`^export run 1: succeeded .*s3://${exports}/training/run=1`, "m"),
        );
        const verified = await exportCli(["--verify", `s3://${exports}/training/run=1`]);
        assert.equal(verified.code, 0, verified.stderr + verified.stdout);
        assert.match(verified.stdout, /matches its manifest/);
      },
    );

    await t.step("a run whose export fails stays published and exits 3", async () => {
      await Deno.writeTextFile(`${cwd}/blocked`, "not a folder");
      const run = await runScript("lib/cli/etl.ts", ["--config", config, "--quiet", "--force"], {
        cwd,
        env: { ETL_EXPORT_TARGET: `${cwd}/blocked/exports` },
      });
      assert.equal(run.code, 3, run.stderr + run.stdout);
      assert.match(run.stdout, /^run 2: succeeded in /m);
      assert.match(run.stdout, /^export run 2: failed .*EXPORT_TARGET/m);
      await using sql = connectTo(db);
      const [latest] =
        await sql`select run_id::int, status from etl.runs order by run_id desc limit 1`;
      assert.deepEqual({ ...latest }, { run_id: 2, status: "succeeded" });
    });

    await t.step("usage errors exit 2 and write nothing", async () => {
      const both = await exportCli(["--out", out, "--to", "s3://b/p"]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /Give --out DIR or --to s3:\/\/BUCKET\/PREFIX, not both/);
      const badRun = await exportCli(["--out", out, "--run", "x"]);
      assert.equal(badRun.code, 2);
      assert.match(badRun.stderr, /--run must be a run id/);
      const plain = await Deno.makeTempDir({ dir: cwd });
      const noTarget = await runScript(
        "lib/cli/export.ts",
        ["--config", await writeConfig(plain, store.settings(bucket, PREFIX), db)],
        { cwd },
      );
      assert.equal(noTarget.code, 2, noTarget.stderr);
      assert.match(noTarget.stderr, /No export target: give --out DIR/);
    });
  } finally {
    await store.close();
    await Deno.remove(cwd, { recursive: true });
  }
});
