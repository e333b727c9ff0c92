// End-to-end tests of the user-facing commands: `deno task etl`, `db:stop` and `quality`, as subprocesses.
import assert from "node:assert/strict";
import { runScript } from "./helpers/project_script.ts";
import { DEMO_LIST_ROWS } from "./helpers/demo_data.ts";
import { TEST_EMBEDDED_PORT } from "./helpers/ports.ts";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import type { DbSettings } from "../lib/config/settings.ts";
import { PREFIX, uploadGenerated } from "./helpers/uploads.ts";

/** Port for the embedded default under test; apart from the developer's 54329 and the test cluster. */
const EMBEDDED_PORT = String(TEST_EMBEDDED_PORT);

/** `deno task quality`, with `--config` when a file is named (else the embedded default). */
function runQuality(cwd: string, config: string | undefined, env: Record<string, string> = {}) {
  return runScript("lib/cli/quality.ts", config ? ["--config", config] : [], { cwd, env });
}

Deno.test(
  "deno task etl with no configuration runs the embedded default end to end",
  async (t) => {
    const cwd = await Deno.makeTempDir({ prefix: "etl-embedded-" });
    // The embedded server runs as an unprivileged user when we are root; it must reach the folder.
    await Deno.chmod(cwd, 0o755);
    const env = { ETL_EMBEDDED_PORT: EMBEDDED_PORT };
    try {
      await t.step(
        "first run generates the demo data, loads it and keeps the server up",
        async () => {
          const first = await runScript("lib/cli/etl.ts", [], { cwd, env });
          assert.equal(first.code, 0, first.stderr + first.stdout);
          assert.match(first.stdout, /^run 1: succeeded in [\d.]+ s$/m);
          assert.match(first.stdout, /^animelist\.csv +200,000 +199,200 +800 /m);
          assert.match(
            first.stdout,
            /animelist\.csv quarantined: unknown_watching_status 600, unknown_anime_id 200/,
          );
          assert.match(
            first.stdout,
            new RegExp(
              `^connect: PGPASSFILE=\\.data/pgpass psql postgres://postgres@127\\.0\\.0\\.1:${EMBEDDED_PORT}/anime$`,
              "m",
            ),
          );
          assert.match(first.stderr, /^demo:generate 200,000 animelist rows/m);
          assert.match(
            first.stderr,
            /^animelist\.csv: 199,200 loaded, 800 quarantined in [\d.]+ s$/m,
          );
          const db: DbSettings = {
            host: "127.0.0.1",
            port: Number(EMBEDDED_PORT),
            database: "anime",
            user: "postgres",
            // The superuser's password, made at first start (README, "Security").
            password: (await Deno.readTextFile(`${cwd}/.data/postgres-password`)).trim(),
          };
          const sql = connectTo(db);
          try {
            const [row] = await sql`select count(*)::int as n from anime_list`;
            assert.equal(row?.n, DEMO_LIST_ROWS);
          } finally {
            await sql.end();
          }
        },
      );
      await t.step("a second run against the same objects is skipped", async () => {
        const second = await runScript("lib/cli/etl.ts", ["--quiet"], { cwd, env });
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, /^run 2: skipped in [\d.]+ s$/m);
        assert.equal(second.stderr, "");
      });
      await t.step("deno task quality checks the embedded database", async () => {
        const quality = await runQuality(cwd, undefined, env);
        assert.equal(quality.code, 0, quality.stdout + quality.stderr);
        assert.match(quality.stdout, /counts_reconcile \.\.\. ok/);
      });
      await t.step("db:stop stops the server", async () => {
        const stop = await runScript("lib/cli/db_stop.ts", [], { cwd, env });
        assert.equal(stop.code, 0, stop.stderr);
        const dataDir = `${await Deno.realPath(cwd)}/.data/postgres`;
        assert.equal(
          stop.stdout.trim(),
          `db:stopped embedded PostgreSQL on port ${EMBEDDED_PORT} (${dataDir})`,
        );
        const again = await runScript("lib/cli/db_stop.ts", [], { cwd, env });
        assert.equal(
          again.stdout.trim(),
          `db:not-running no embedded PostgreSQL on port ${EMBEDDED_PORT} in ${dataDir}: nothing to stop`,
        );
      });
    } finally {
      await runScript("lib/cli/db_stop.ts", [], { cwd, env }).catch(() => {});
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test(
  "deno task etl with credentials.cfg loads from S3 into the configured PostgreSQL",
  async (t) => {
    const store = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "etl-configured-" });
    try {
      const bucket = uniqueBucket("my bucket".replace(" ", "-"));
      await store.createBucket(bucket);
      const prefix = "data/Anime Dataset ü/";
      const dataset = await generateDataset(`${cwd}/source`, {
        animelistRows: 2000,
        animeRows: 200,
        gzip: true,
      });
      await uploadGenerated(store, bucket, prefix, dataset);
      const db = await freshDatabase();
      const config = await writeConfig(cwd, store.settings(bucket, prefix), db);
      await t.step("loads, prints the summary and the URL, and records its trigger", async () => {
        const result = await runScript("lib/cli/etl.ts", ["--trigger", "cron"], { cwd });
        assert.equal(result.code, 0, result.stderr + result.stdout);
        assert.match(result.stdout, /^run 1: succeeded/m);
        assert.match(
          result.stdout,
          new RegExp(`connect: psql postgres://postgres@127\\.0\\.0\\.1:${db.port}/${db.database}`),
        );
        assert.match(result.stderr, /^anime\.csv: 200 loaded, 0 quarantined in/m);
        const sql = connectTo(db);
        try {
          const [run] = await sql`select trigger from etl.runs order by run_id desc limit 1`;
          assert.equal(run?.trigger, "cron");
        } finally {
          await sql.end();
        }
      });
      await t.step("a new delta: an incremental run, printed with its counts", async () => {
        await store.put(
          bucket,
          `${prefix}animelist_updates/2026-12-01.csv`,
          "user_id,anime_id,rating,watching_status,watched_episodes,removed\n" +
            "900001,1,7,2,3,\n900001,1,8,2,4,\n900002,1,,,,1\n",
        );
        const result = await runScript("lib/cli/etl.ts", [], { cwd });
        assert.equal(result.code, 0, result.stderr + result.stdout);
        assert.match(result.stdout, /^run 2: succeeded/m);
        assert.match(
          result.stdout,
          new RegExp(`^incremental run: 1 new delta after the snapshot$`, "m"),
        );
        assert.match(
          result.stdout,
          /^ {2}animelist_updates\/2026-12-01\.csv: 1 inserted, 0 updated, 0 removed, 1 absent removals, 1 superseded, 0 quarantined$/m,
        );
      });
      await t.step("deno task quality passes, then fails on tampered data", async () => {
        const passing = await runQuality(cwd, config);
        assert.equal(passing.code, 0, passing.stdout + passing.stderr);
        const sql = connectTo(db);
        try {
          await sql`delete from anime_list where user_id = (select min(user_id) from anime_list)`;
        } finally {
          await sql.end();
        }
        const failing = await runQuality(cwd, config);
        assert.notEqual(failing.code, 0);
        assert.match(failing.stdout, /counts_reconcile \.\.\. .*FAILED/);
      });
    } finally {
      await store.close();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);

Deno.test(
  "deno task etl fails clearly on bad configuration and unreachable services",
  async (t) => {
    const store = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "etl-errors-" });
    try {
      const db = await freshDatabase();
      const bucket = uniqueBucket();
      await store.createBucket(bucket);
      await t.step("usage errors exit 2", async () => {
        const badTrigger = await runScript("lib/cli/etl.ts", ["--trigger", "Bad Name"], { cwd });
        assert.equal(badTrigger.code, 2);
        assert.match(
          badTrigger.stderr,
          /^Invalid --trigger "Bad Name": expected lower-case letters/,
        );
        const result = await runScript("lib/cli/etl.ts", ["--bogus"], { cwd });
        assert.equal(result.code, 2);
        assert.match(
          result.stderr,
          /usage: deno task etl \[--config FILE\] \[--force\] \[--quiet\]/,
        );
      });
      await t.step("a missing setting names the key and every place searched", async () => {
        const config = `${cwd}/missing.cfg`;
        await Deno.writeTextFile(
          config,
          "[S3]\nREGION = us-west-2\nBUCKET = b\n[DB]\nDATABASE = d\nUSER = u\n",
          { mode: 0o600 },
        );
        const result = await runScript("lib/cli/etl.ts", ["--config", config], { cwd });
        assert.equal(result.code, 2);
        assert.equal(
          result.stderr.trim(),
          `etl:failed CONFIG_MISSING: Cannot find setting DB.HOST: searched environment variable PGHOST, [DB] HOST in "${config}"`,
        );
        const fromEnv = await runScript("lib/cli/etl.ts", ["--config", config], {
          cwd,
          env: { PGHOST: "127.0.0.1", PGPORT: "1" },
        });
        assert.match(
          fromEnv.stderr,
          /Cannot connect to PostgreSQL at 127\.0\.0\.1:1 database "d" as "u"/,
        );
      });
      await t.step("an unreachable PostgreSQL fails fast and creates nothing", async () => {
        const config = await writeConfig(cwd, store.settings(bucket, PREFIX), { ...db, port: 1 });
        const started = performance.now();
        const result = await runScript("lib/cli/etl.ts", ["--config", config], { cwd });
        assert.equal(result.code, 1);
        assert.ok(performance.now() - started < 30_000);
        assert.match(
          result.stderr,
          /^etl:failed DB_UNREACHABLE: Cannot connect to PostgreSQL at 127\.0\.0\.1:1 database/m,
        );
      });
      await t.step("secrets never appear in output or in etl.runs", async () => {
        const s3 = {
          ...store.settings(bucket, PREFIX),
          accessKeyId: "AKIASECRETKEYID12345",
          secretAccessKey: "sEcReT/Value+9876543210",
        };
        // The test cluster's own password: PostgreSQL requires it, so the run gets as far as S3.
        const config = await writeConfig(cwd, s3, db);
        await Deno.chmod(config, 0o644);
        const result = await runScript("lib/cli/etl.ts", ["--config", config], { cwd });
        assert.equal(result.code, 1);
        assert.match(
          result.stderr,
          /config:warning ".*credentials\.cfg" is readable by other users \(mode 644\): run chmod 600/,
        );
        assert.match(result.stdout, /error SOURCE_DENIED|error SOURCE_UNREADABLE/);
        const sql = connectTo(db);
        let stored = "";
        try {
          stored = JSON.stringify(await sql`select * from etl.runs`);
        } finally {
          await sql.end();
        }
        for (const secret of [s3.accessKeyId, s3.secretAccessKey, db.password]) {
          assert.ok(
            !result.stdout.includes(secret) && !result.stderr.includes(secret),
            `output leaks ${secret}`,
          );
          assert.ok(!stored.includes(secret), `etl.runs leaks ${secret}`);
        }
      });
    } finally {
      await store.close();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
