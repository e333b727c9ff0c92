// Secrets and names: a database password that PostgreSQL really requires, S3 keys, and bucket keys
// and database names with quotes, spaces and unicode. No secret may reach output, etl.* tables or
// the enumerable fields (or inspection) of thrown errors.
import assert from "node:assert/strict";
import { runScript } from "../helpers/project_script.ts";
import type { DbSettings } from "../../lib/config/settings.ts";
import { PipelineError } from "../../lib/errors.ts";
import { createS3Client } from "../../lib/extract/s3_client.ts";
import { findSourceObjects } from "../../lib/extract/source_objects.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { animeCsv, WATCHING_STATUS_CSV } from "../helpers/fixtures.ts";
import {
  canConnect,
  createPasswordRole,
  dropPasswordRole,
  quoteIdent,
  requirePasswordsForPwRoles,
} from "../helpers/password_roles.ts";
import {
  connectTo,
  startTestStore,
  targetsFor,
  testPostgres,
  type TestStore,
  uniqueBucket,
  writeConfig,
} from "../helpers/services.ts";
import { within } from "../helpers/observe.ts";
import { uploadFiles } from "../helpers/uploads.ts";

const suffix = crypto.randomUUID().slice(0, 8);
const DB_PASSWORD = `db-Pa55/w0rd+${suffix}`;
const ACCESS_KEY_ID = `AKIASECRETID${suffix.toUpperCase()}`;
const SECRET_ACCESS_KEY = `sEcReT/Value+${suffix}`;
const SECRETS = [DB_PASSWORD, ACCESS_KEY_ID, SECRET_ACCESS_KEY];

const SMALL_DATASET = {
  "watching_status.csv": WATCHING_STATUS_CSV,
  "anime.csv": animeCsv([1, 2, 3]),
  "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,7,Action,Text\n",
  "animelist.csv":
    "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,8,2,3\n1,2,0,6,0\n2,3,7,1,1\n",
};

function runCli(args: string[], cwd: string) {
  return runScript("lib/cli/etl.ts", args, { cwd });
}

/** Everything the run log holds, as one text. */
async function etlTables(db: DbSettings): Promise<string> {
  const sql = connectTo(db);
  try {
    const tables = ["runs", "run_files", "rejects", "quality_checks"];
    const rows = await Promise.all(tables.map((table) => sql.unsafe(`select * from etl.${table}`)));
    return JSON.stringify(rows);
  } finally {
    await sql.end();
  }
}

function assertNoSecret(text: string, where: string) {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} leaks "${secret}"`);
}

/** Checks every way an error can be printed or serialised. */
function assertErrorHoldsNoSecret(error: unknown, where: string) {
  assert.ok(error instanceof PipelineError, `${where}: ${error}`);
  assert.deepEqual(Object.keys(error), ["name", "code", "stage", "transient"]);
  assertNoSecret(error.message, `${where} message`);
  assertNoSecret(JSON.stringify(error), `${where} JSON`);
  assertNoSecret(String(error), `${where} String()`);
  assertNoSecret(Deno.inspect(error, { depth: 20, showHidden: true }), `${where} inspection`);
}

Deno.test("secrets stay secret; names with quotes and unicode work", async (t) => {
  await requirePasswordsForPwRoles();
  const role = `pw_etl_${suffix}`;
  const store = await startTestStore();
  const cwd = await Deno.makeTempDir({ prefix: "secrets-" });
  try {
    const db = await createPasswordRole(role, DB_PASSWORD);
    const bucket = uniqueBucket("sec");
    await store.createBucket(bucket);
    await uploadFiles(store, bucket, "data/", SMALL_DATASET);

    await t.step("the database password is really required", async () => {
      assert.equal(await canConnect({ ...db, password: "" }), false);
      assert.equal(await canConnect({ ...db, password: "not-it" }), false);
      assert.equal(await canConnect(db), true);
    });

    await t.step("deno task etl authenticates with it and prints no secret", async () => {
      const config = await writeConfig(cwd, store.settings(bucket, "data/"), db);
      const result = await runCli(["--config", config], cwd);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /^run 1: succeeded/m);
      assert.match(result.stdout, new RegExp(`connect: psql postgres://${role}@127\\.0\\.0\\.1:`));
      assertNoSecret(result.stdout + result.stderr, "output");
    });

    await t.step("a failing run leaks no secret into output or etl.*", async () => {
      const s3 = {
        ...store.settings(bucket, "data/"),
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRET_ACCESS_KEY,
      };
      const config = await writeConfig(cwd, s3, db);
      const result = await runCli(["--config", config, "--force"], cwd);
      assert.equal(result.code, 1, result.stderr + result.stdout);
      assert.match(
        result.stdout,
        new RegExp(
          `^error SOURCE_DENIED: Cannot list bucket "${bucket}" prefix "data/": access denied \\(HTTP 403 InvalidAccessKeyId\\)$`,
          "m",
        ),
      );
      assertNoSecret(result.stdout + result.stderr, "output");
      assertNoSecret(await etlTables(db), "etl tables");
    });

    await t.step("errors for a wrong database, password or port hold no secret", async () => {
      const s3 = store.settings(bucket, "data/");
      const failures: [string, DbSettings, string][] = [
        [
          "wrong database",
          { ...db, database: `missing_${suffix}` },
          `database "missing_${suffix}" does not exist`,
        ],
        [
          "wrong password",
          { ...db, password: `${DB_PASSWORD}-wrong` },
          `password authentication failed for user "${role}"`,
        ],
        ["no server", { ...db, port: 1 }, "connect ECONNREFUSED 127.0.0.1:1"],
      ];
      for (const [what, target, cause] of failures) {
        const error = await runEtl(targetsFor(s3, target), { connectTimeoutSeconds: 5 }).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        assertErrorHoldsNoSecret(error, what);
        const pipelineError = error as PipelineError;
        assert.equal(pipelineError.code, "DB_UNREACHABLE");
        assert.equal(
          pipelineError.message,
          `Cannot connect to PostgreSQL at ${target.host}:${target.port} database "${target.database}" as "${role}": ${cause}`,
        );
        // The wrong password itself must not appear either.
        assert.ok(!Deno.inspect(error, { depth: 20, showHidden: true }).includes(target.password));
      }
    });

    await t.step("S3 errors hold no key, not even when inspected", async () => {
      const s3 = {
        ...store.settings(bucket, "data/"),
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRET_ACCESS_KEY,
      };
      const client = createS3Client(s3);
      try {
        const error = await findSourceObjects(client, s3).then(() => undefined, (e) => e);
        assertErrorHoldsNoSecret(error, "S3 error");
        assert.equal((error as PipelineError).code, "SOURCE_DENIED");
      } finally {
        client.destroy();
      }
    });

    await t.step("keys and database names with quotes, spaces and unicode", async () => {
      await namesRoundTrip(store, bucket);
    });
  } finally {
    await store.close();
    await dropPasswordRole(role);
    await Deno.remove(cwd, { recursive: true });
  }
});

// S3 bucket names allow only lower-case letters, digits, dots and hyphens; keys and database names
// allow anything. Each value travels as a parameter, so it must come back exactly.
async function namesRoundTrip(store: TestStore, bucket: string) {
  const prefix = `it's "quoted" $1 ;-- ü 日本/`;
  const database = `it's "odd" ü ${suffix}`;
  const admin = await testPostgres();
  const sql = connectTo(admin);
  try {
    await sql.unsafe(`create database ${quoteIdent(database)}`);
    await uploadFiles(store, bucket, prefix, {
      ...SMALL_DATASET,
      "animelist.csv": `${SMALL_DATASET["animelist.csv"]}2,404,7,1,1\n`,
    });
    const db = { ...admin, database };
    const summary = await within(
      120,
      "the run",
      runEtl(targetsFor(store.settings(bucket, prefix), db, 0.5)),
    );
    assert.equal(summary.status, "succeeded", summary.error?.message);
    assert.deepEqual(summary.files.map((file) => file.key), [
      `${prefix}watching_status.csv`,
      `${prefix}anime.csv`,
      `${prefix}anime_with_synopsis.csv`,
      `${prefix}animelist.csv`,
    ]);
    const target = connectTo(db);
    try {
      const files = await target`
        select bucket, source_key from etl.run_files where run_id = ${summary.runId}
        order by source_key`;
      assert.deepEqual(files.map((file) => file.source_key), [
        `${prefix}anime.csv`,
        `${prefix}anime_with_synopsis.csv`,
        `${prefix}animelist.csv`,
        `${prefix}watching_status.csv`,
      ]);
      assert.ok(files.every((file) => file.bucket === bucket));
      const [reject] = await target`select source_key, line_number, reason from etl.rejects`;
      assert.deepEqual({ ...reject }, {
        source_key: `${prefix}animelist.csv`,
        line_number: "5",
        reason: "unknown_anime_id",
      });
      const [count] = await target`select count(*)::int as n from anime_list`;
      assert.equal(count?.n, 3);
    } finally {
      await target.end();
    }
  } finally {
    await sql.unsafe(`drop database if exists ${quoteIdent(database)} with (force)`);
    await sql.end();
  }
}
