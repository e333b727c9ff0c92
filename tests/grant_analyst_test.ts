// Tests for `deno task grant-analyst`: a read-only analyst role on a real PostgreSQL, which needs its
// password, reads every star table, writes nothing, cannot see etl.*, and keeps its access after
// later runs republish the tables.
import assert from "node:assert/strict";
import { runScript } from "./helpers/project_script.ts";
import postgres from "postgres";
import type { DbSettings } from "../lib/config/settings.ts";
import { runEtl } from "../lib/run_etl.ts";
import { animeCsv, WATCHING_STATUS_CSV } from "./helpers/fixtures.ts";
import { canConnect, quoteIdent, requirePasswordsForPwRoles } from "./helpers/password_roles.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";

const SERVICES = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../", import.meta.url).pathname;
const PREFIX = "data/";
const STAR_TABLES = [
  "anime_watching_status",
  "anime_master",
  "anime_meta",
  "anime_score_details",
  "anime_genre",
  "anime_synopsis",
  "anime_list",
];
const suffix = crypto.randomUUID().slice(0, 8);
// Quotes, a space and unicode: the name is escaped as an identifier wherever it is used.
const ANALYST = `pw_analyst "Ana" ü ${suffix}`;
const PASSWORD = `an-Pa55 ü ${suffix}`;

function grantAnalystCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runScript("lib/cli/grant_analyst.ts", args, { cwd, env });
}

function connectAs(db: DbSettings, user: string, password: string) {
  return postgres({
    host: db.host,
    port: db.port,
    database: db.database,
    username: user,
    password,
    max: 1,
    onnotice: () => {},
  });
}

/** The SQLSTATE a statement fails with, or "ok". */
async function outcome(sql: ReturnType<typeof postgres>, statement: string): Promise<string> {
  try {
    await sql.unsafe(statement);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

async function assertReadsEveryStarTable(db: DbSettings) {
  const analyst = connectAs(db, ANALYST, PASSWORD);
  try {
    for (const table of STAR_TABLES) {
      const [row] = await analyst.unsafe(`select count(*)::int as n from ${table}`);
      assert.ok(row!.n > 0, `${table} is readable and not empty`);
    }
  } finally {
    await analyst.end();
  }
}

Deno.test(
  "grant-analyst gives a read-only role that survives republishing",
  SERVICES,
  async (t) => {
    await requirePasswordsForPwRoles();
    const store = await startTestStore();
    const cwd = await Deno.makeTempDir({ prefix: "grant-" });
    const db = await freshDatabase("grant");
    const admin = connectTo(db);
    const wideRole = `pw_wide_${suffix}`;
    try {
      const bucket = uniqueBucket("grant");
      await store.createBucket(bucket);
      for (
        const [name, body] of Object.entries({
          "watching_status.csv": WATCHING_STATUS_CSV,
          "anime.csv": animeCsv([1, 2, 3]),
          "anime_with_synopsis.csv": "MAL_ID,Name,Score,Genres,sypnopsis\n1,A,7,Action,Text\n",
          "animelist.csv":
            "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,8,2,3\n1,2,0,6,0\n9,9,7,1,1\n",
        })
      ) {
        await store.put(bucket, `${PREFIX}${name}`, body);
      }
      const s3 = store.settings(bucket, PREFIX);
      const first = await runEtl(targetsFor(s3, db, 0.5));
      assert.equal(first.status, "succeeded", first.error?.message);
      const config = await writeConfig(cwd, s3, db);

      await t.step("creates a login role that needs its password", async () => {
        const result = await grantAnalystCli(
          ["--config", config, "--role", ANALYST, "--password-env", "ANALYST_PASSWORD"],
          cwd,
          { ANALYST_PASSWORD: PASSWORD },
        );
        assert.equal(result.code, 0, result.stderr);
        assert.equal(
          result.stdout.trim(),
          `grant:analyst role "${ANALYST}" reads 7 published star tables through anime_reader ` +
            "(read-only; no access to schema etl); password set",
        );
        assert.equal(result.stderr, "");
        assert.ok(!(result.stdout + result.stderr).includes(PASSWORD));
        assert.equal(await canConnect({ ...db, user: ANALYST, password: "" }), false);
        assert.equal(await canConnect({ ...db, user: ANALYST, password: "wrong" }), false);
        assert.equal(await canConnect({ ...db, user: ANALYST, password: PASSWORD }), true);
      });

      await t.step("reads every star table, writes nothing, cannot see etl.*", async () => {
        await assertReadsEveryStarTable(db);
        const analyst = connectAs(db, ANALYST, PASSWORD);
        try {
          // Sessions open read-only...
          assert.equal(
            await outcome(analyst, "insert into anime_list values (5, 1, 1, 1, 1)"),
            "25006",
          );
          // ...and without that, the privileges still refuse every write.
          await analyst`set default_transaction_read_only = off`;
          const refused = {
            insert: "insert into anime_list values (5, 1, 1, 1, 1)",
            update: "update anime_master set name = 'x'",
            delete: "delete from anime_genre",
            truncate: "truncate anime_synopsis",
            "create table": "create table public.mine (a int)",
            "create schema": "create schema mine",
            "drop table": "drop table anime_meta",
            "read etl.rejects": "select * from etl.rejects",
            "read etl.runs": "select * from etl.runs",
          };
          for (const [what, statement] of Object.entries(refused)) {
            assert.equal(await outcome(analyst, statement), "42501", what);
          }
        } finally {
          await analyst.end();
        }
      });

      await t.step("keeps reading after two more runs republish the tables", async () => {
        for (let i = 0; i < 2; i++) {
          const again = await runEtl(targetsFor(s3, db, 0.5), { force: true });
          assert.equal(again.status, "succeeded", again.error?.message);
          await assertReadsEveryStarTable(db);
        }
        const [access] = await admin.unsafe(
          await Deno.readTextFile(`${ROOT}sql/roles/analyst_access.sql`),
          [ANALYST],
        );
        assert.deepEqual({ ...access }, {
          reads_star: true,
          writes_star: false,
          star_tables: 7,
          creates_in_public: false,
          reaches_etl: false,
        });
      });

      await t.step("running it again keeps the password unless one is given", async () => {
        const result = await grantAnalystCli(["--config", config, "--role", ANALYST], cwd);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /; password unchanged$/m);
        await assertReadsEveryStarTable(db);
      });

      await t.step("refuses roles that can do more than read, and bad usage", async () => {
        await admin.unsafe(`create role ${quoteIdent(wideRole)} login createrole`);
        const [wide, self, noRole, noPassword] = await Promise.all([
          grantAnalystCli(["--config", config, "--role", wideRole], cwd),
          grantAnalystCli(["--config", config, "--role", db.user], cwd),
          grantAnalystCli(["--config", config], cwd),
          grantAnalystCli(
            ["--config", config, "--role", ANALYST, "--password-env", "UNSET_VARIABLE"],
            cwd,
          ),
        ]);
        assert.equal(wide.code, 1);
        assert.equal(
          wide.stderr.trim(),
          `grant:failed CONFIG_INVALID: Cannot grant analyst access to role "${wideRole}": Cannot make role ` +
            `"${wideRole}" an analyst: it can do more than read (superuser, createrole, createdb, ` +
            "replication or bypassrls)",
        );
        assert.equal(self.code, 1);
        assert.match(self.stderr, /it is the role running this command$/m);
        assert.equal(noRole.code, 2);
        assert.match(noRole.stderr, /^usage: deno task grant-analyst /m);
        assert.equal(noPassword.code, 2);
        assert.equal(
          noPassword.stderr.trim(),
          "Cannot read the password: environment variable UNSET_VARIABLE is not set",
        );
      });
    } finally {
      for (const role of [ANALYST, wideRole]) {
        await admin.unsafe(`drop role if exists ${quoteIdent(role)}`).catch(() => {});
      }
      await admin.end();
      await store.close();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
