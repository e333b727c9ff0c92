// End-to-end test of `deno task s3:serve --import DIR`: a folder of plain CSV files served as S3
// objects, loaded by `deno task etl` with the keys the README documents.
import assert from "node:assert/strict";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createS3Client } from "../lib/extract/s3_client.ts";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { runScript, spawnScript } from "./helpers/project_script.ts";
import { connectTo, freshDatabase, writeConfig } from "./helpers/services.ts";
import { PREFIX } from "./helpers/uploads.ts";

const BUCKET = "anime-recommendation-dataset";

Deno.test(
  "deno task s3:serve --import DIR serves a folder of plain CSV files to deno task etl",
  async (t) => {
    const cwd = await Deno.makeTempDir({ prefix: "s3-serve-test-" });
    const folder = `${cwd}/kaggle`;
    const dataset = await generateDataset(`${folder}/${PREFIX}`, {
      animelistRows: 1500,
      animeRows: 150,
      seed: 5,
    });
    await Deno.writeTextFile(`${folder}/README.txt`, "not a source file\n");
    const server = spawnScript("lib/cli/serve_s3.ts", ["--import", folder], { cwd });
    const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let printed = "";
      while (!/^s3:keys .*$/m.test(printed)) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`s3:serve ended early:\n${printed}`);
        printed += value;
      }
      const endpoint = /^s3:listening (\S+)$/m.exec(printed)![1]!;

      await t.step("it uploads every file, keyed by its path under DIR, before listening", () => {
        assert.match(
          printed,
          new RegExp(
            `^s3:imported ${dataset.files.length + 1} files \\([\\d.]+ kB\\) from "${folder}" ` +
              `into bucket ${BUCKET}$`,
            "m",
          ),
        );
        assert.ok(printed.indexOf("s3:imported 5 files") < printed.indexOf("s3:listening"));
        assert.match(
          printed,
          /^s3:keys AWS_ACCESS_KEY_ID = S3RVER, AWS_SECRET_ACCESS_KEY = S3RVER \(or both empty/m,
        );
      });

      await t.step("the documented keys and unsigned requests list the objects", async () => {
        const keys = [];
        for (const credentials of ["S3RVER", ""]) {
          const client = createS3Client({
            accessKeyId: credentials,
            secretAccessKey: credentials,
            region: "us-east-1",
            bucket: BUCKET,
            prefix: "",
            endpoint,
          });
          try {
            const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
            keys.push((listed.Contents ?? []).map((object) => object.Key).sort());
          } finally {
            client.destroy();
          }
        }
        const expected = ["README.txt", ...dataset.files.map((file) => `${PREFIX}${file.name}`)]
          .sort();
        assert.deepEqual(keys, [expected, expected]);
      });

      await t.step("deno task etl loads them with credentials.cfg", async () => {
        const db = await freshDatabase("s3serve");
        const config = await writeConfig(
          cwd,
          {
            accessKeyId: "S3RVER",
            secretAccessKey: "S3RVER",
            region: "us-east-1",
            bucket: BUCKET,
            prefix: PREFIX,
            endpoint,
          },
          db,
          "[ETL]\nREJECT_THRESHOLD = 0.05",
        );
        // The threshold counts lines as well as rows: at 150 anime the generator's one orphan
        // synopsis spans 3 of the 154 data lines (1.95%), over the default 1%.
        const run = await runScript("lib/cli/etl.ts", ["--config", config, "--quiet"], { cwd });
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /^run 1: succeeded/m);
        const sql = connectTo(db);
        try {
          const [row] = await sql`select count(*)::int as n from anime_list`;
          const expected = 1500 - Object.values(dataset.expectedRejects["animelist.csv"]!)
            .reduce((sum, n) => sum + n, 0);
          assert.equal(row!.n, expected);
        } finally {
          await sql.end();
        }
      });

      await t.step("any other key is refused", async () => {
        const client = createS3Client({
          accessKeyId: "AKIAOTHER",
          secretAccessKey: "other",
          region: "us-east-1",
          bucket: BUCKET,
          prefix: "",
          endpoint,
        });
        try {
          await assert.rejects(
            client.send(new ListObjectsV2Command({ Bucket: BUCKET })),
            (error: Error) => error.name === "InvalidAccessKeyId",
          );
        } finally {
          client.destroy();
        }
      });
    } finally {
      server.kill("SIGTERM");
      lines.releaseLock();
      await server.stdout.cancel().catch(() => {});
      await server.stderr.cancel().catch(() => {});
      const status = await server.status;
      await Deno.remove(cwd, { recursive: true });
      assert.equal(status.code, 0, "s3:serve exits 0 on SIGTERM");
    }
  },
);

Deno.test("deno task s3:serve --import refuses a folder it cannot read, exit 2", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "s3-serve-missing-" });
  try {
    const output = await runScript("lib/cli/serve_s3.ts", ["--import", "no-such-folder"], { cwd });
    assert.equal(output.code, 2, output.stdout + output.stderr);
    assert.match(output.stderr, /^s3:failed Cannot read --import "no-such-folder": /);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
