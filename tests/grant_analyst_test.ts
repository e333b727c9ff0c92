// Tests for `deno task grant-analyst`: a read-only analyst role on a real PostgreSQL, which needs its
// password, reads every star table, writes nothing, cannot see etl.*, and keeps its access after
// later runs republish the tables.
import assert from "node:assert/strict";
import { runScript } from "./helpers/project_script.ts";
import postgres from "postgres";
import type { DbSettings } from "../lib/config/settings.ts";
import { runEtl } from "../lib/run_etl.ts";
import { grantAnalyst } from "../lib/security/grant_analyst.ts";
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
import { STAR_TABLES } from "./helpers/published.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PREFIX = "data/";
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
          `grant:analyst role "${ANALYST}" reads 11 published star tables through anime_reader ` +
            "(read-only; no access to schema etl); password set\n" +
            `grant:limits in database "${db.database}": statement_timeout 90s, ` +
            "idle_in_transaction_session_timeout 30s, lock_timeout 10s, temp_file_limit 2GB",
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
          star_tables: 11,
          creates_in_public: false,
          public_creates: false,
          server_version_num: access!.server_version_num,
          reaches_etl: false,
          reads_all_data: false,
          settings: [
            "default_transaction_read_only=on",
            "idle_in_transaction_session_timeout=30s",
            "lock_timeout=10s",
            "statement_timeout=90s",
            "temp_file_limit=2GB",
          ],
        });
      });

      await t.step("running it again keeps the password unless one is given", async () => {
        const result = await grantAnalystCli(["--config", config, "--role", ANALYST], cwd);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /; password unchanged$/m);
        await assertReadsEveryStarTable(db);
      });

      await t.step("its settings apply in this database only, with session limits", async () => {
        const rows = await admin<{ in_this_database: boolean }[]>`
          select s.setdatabase = (select oid from pg_database where datname = current_database())
            as in_this_database
          from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
          where r.rolname = ${ANALYST}`;
        assert.deepEqual(rows.map((row) => row.in_this_database), [true]);
        const analyst = connectAs(db, ANALYST, PASSWORD);
        try {
          const shown = await analyst`
            select current_setting('statement_timeout') as statement,
              current_setting('idle_in_transaction_session_timeout') as idle,
              current_setting('lock_timeout') as lock,
              current_setting('temp_file_limit') as temp,
              current_setting('default_transaction_read_only') as read_only`;
          assert.deepEqual({ ...shown[0] }, {
            statement: "90s",
            idle: "30s",
            lock: "10s",
            temp: "2GB",
            read_only: "on",
          });
        } finally {
          await analyst.end();
        }
      });

      await t.step("an analyst idle in a transaction is ended; the publish goes on", async () => {
        const result = await grantAnalystCli(
          ["--config", config, "--role", ANALYST, "--idle-in-transaction-timeout", "1s"],
          cwd,
        );
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /idle_in_transaction_session_timeout 1s,/);
        const analyst = connectAs(db, ANALYST, PASSWORD);
        try {
          // postgres.js rejects the transaction as soon as the server ends the session, while
          // its callback still sleeps: the test waits for that sleep too, so no timer outlives it.
          let idling: Promise<void> = Promise.resolve();
          const holding = analyst.begin(async (tx) => {
            await tx`select count(*) from anime_list`;
            // Idle with the table's lock held, as a forgotten BEGIN in psql would be.
            idling = new Promise((resolve) => setTimeout(resolve, 3_000));
            await idling;
            await tx`select 1`;
          }).then(() => "kept its transaction", (error: Error) => error.message);
          const publish = await runEtl(targetsFor(s3, db, 0.5), { force: true });
          assert.equal(publish.status, "succeeded", publish.error?.message);
          assert.match(await holding, /idle-in-transaction|CONNECTION_CLOSED/);
          await idling;
        } finally {
          await analyst.end();
        }
        const reset = await grantAnalystCli(["--config", config, "--role", ANALYST], cwd);
        assert.equal(reset.code, 0, reset.stderr);
      });

      await t.step("a non-ASCII password is prepared as PostgreSQL does (SASLprep)", async () => {
        for (const password of ["\uff21bc\u{1f38c}", "\uff21bc"]) {
          const result = await grantAnalystCli(
            ["--config", config, "--role", ANALYST, "--password-env", "ANALYST_PASSWORD"],
            cwd,
            { ANALYST_PASSWORD: password },
          );
          assert.equal(result.code, 0, result.stderr);
          const psql = await new Deno.Command("psql", {
            args: [
              "-X",
              "-w",
              ...["-h", db.host, "-p", String(db.port), "-U", ANALYST, "-d", db.database],
              ...["-Atc", "select current_user"],
            ],
            env: { PGPASSWORD: password },
            stdin: "null",
            stdout: "piped",
            stderr: "piped",
          }).output();
          assert.equal(
            psql.code,
            0,
            `psql with ${password}: ${new TextDecoder().decode(psql.stderr)}`,
          );
        }
        // Back to the password the other steps use.
        const result = await grantAnalystCli(
          ["--config", config, "--role", ANALYST, "--password-env", "ANALYST_PASSWORD"],
          cwd,
          { ANALYST_PASSWORD: PASSWORD },
        );
        assert.equal(result.code, 0, result.stderr);
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
          `grant:failed ROLE_REFUSED: Cannot make role "${wideRole}" an analyst: [createrole] it ` +
            "is allowed to create roles (CREATEROLE) (nothing was changed)",
        );
        assert.equal(self.code, 1);
        assert.match(
          self.stderr,
          /\[pipeline-role\] it is a role the pipeline connects as \(the role running this command\)/,
        );
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

/** S3 settings for configs of tests that never reach S3. */
const NO_S3 = {
  accessKeyId: "",
  secretAccessKey: "",
  region: "us-east-1",
  bucket: "unused",
  prefix: "",
};

Deno.test(
  "grant-analyst refuses, naming the rule, every role that could do more than read, and changes nothing",
  async (t) => {
    await requirePasswordsForPwRoles();
    const db = await freshDatabase("refuse");
    const admin = connectTo(db);
    const id = crypto.randomUUID().slice(0, 8);
    const roles: string[] = [];
    const databases: string[] = [];
    const role = async (label: string, attributes = "nologin", ...statements: string[]) => {
      const name = `${label}_${id}`;
      await admin.unsafe(`create role ${quoteIdent(name)} ${attributes}`);
      roles.push(name);
      for (const statement of statements) {
        await admin.unsafe(statement.replaceAll("$ROLE", quoteIdent(name)));
      }
      return name;
    };
    try {
      const superuser = await role("su2", "superuser nologin");
      const creator = await role("cdb", "createdb nologin");
      const writers = await role("writers");
      const pipeline = await role("etl_here", "login");
      await admin.unsafe(`create table t_${id} (a int)`);
      await admin.unsafe(`grant update on t_${id} to ${quoteIdent(writers)}`);
      const otherDatabase = `other_${id}`;
      const cases: [string, string | RegExp, boolean][] = [
        [
          await role("m_su", "nologin", `grant ${quoteIdent(superuser)} to $ROLE`),
          `[superuser] it is a member of "${superuser}", which is a superuser`,
          true,
        ],
        [
          await role("m_cdb", "nologin", `grant ${quoteIdent(creator)} to $ROLE`),
          `[createdb] it is a member of "${creator}", which is allowed to create databases (CREATEDB)`,
          true,
        ],
        [
          await role("m_cr", "nologin createrole"),
          "[createrole] it is allowed to create roles (CREATEROLE)",
          true,
        ],
        [
          await role("m_repl", "nologin replication"),
          "[replication] it is a replication role (REPLICATION)",
          true,
        ],
        [
          await role("m_rls", "nologin bypassrls"),
          "[bypassrls] it is exempt from row security (BYPASSRLS)",
          true,
        ],
        [
          await role("m_prog", "nologin", "grant pg_execute_server_program to $ROLE"),
          '[predefined-role] it is a member of the predefined role "pg_execute_server_program", ' +
          "which does more than read",
          true,
        ],
        [
          await role("m_write", "nologin", "grant pg_write_all_data to $ROLE"),
          '[predefined-role] it is a member of the predefined role "pg_write_all_data", which ' +
          "does more than read",
          true,
        ],
        [
          await role("m_owner", "nologin", `create schema s_${id} authorization $ROLE`),
          `[owner] it is the owner of schema s_${id}`,
          true,
        ],
        [
          await role("m_priv", "nologin", `grant insert on t_${id} to $ROLE`),
          `[privileges] it is granted privileges on table t_${id}`,
          true,
        ],
        [
          await role("m_group", "nologin", `grant ${quoteIdent(writers)} to $ROLE`),
          `[privileges] it is a member of "${writers}", which is granted privileges on table t_${id}`,
          true,
        ],
        [
          // The role another database's pipeline uses, which owns that database.
          await role("etl_other", "login", `create database ${otherDatabase} owner $ROLE`),
          `[database-owner] it is the owner of database "${otherDatabase}"`,
          true,
        ],
        [pipeline, "[pipeline-role] it is a role the pipeline connects as", true],
        [
          db.user,
          // The test cluster's superuser owns every test database: listed, then "and N more".
          new RegExp(
            "^\\[pipeline-role\\] it is a role the pipeline connects as \\(the role running this " +
              'command\\); \\[database-owner\\] it is the owner of databases "[^"]+", "[^"]+", ' +
              '"[^"]+" and \\d+ more; \\[superuser\\] it is a superuser; ',
          ),
          true,
        ],
        ["anime_reader", "[group-role] it is the group role that analysts are members of", true],
        [
          await role("m_nologin"),
          "[existing-role] it already exists and cannot log in (NOLOGIN); --allow-existing " +
          "turns it into an analyst login",
          false,
        ],
        [
          await role("m_login", "login"),
          "[existing-role] it already exists and is not an analyst; --allow-existing makes it one",
          false,
        ],
        [
          `long_${id}_${"n".repeat(70 - 6 - id.length)}`,
          "[name-length] its name is 70 bytes, and PostgreSQL keeps only the first 63",
          true,
        ],
      ];
      databases.push(otherDatabase);
      for (const [name, rule, allowExisting] of cases) {
        const label = typeof rule === "string" ? rule.slice(0, rule.indexOf("]") + 1) : "[...]";
        await t.step(`${label} ${name}`, async () => {
          await assert.rejects(
            grantAnalyst(db, {
              role: name,
              password: "unused-Pa55",
              allowExisting,
              pipelineRoles: [db.user, pipeline],
            }),
            (error: Error) => {
              const prefix = `Cannot make role "${name}" an analyst: `;
              if (typeof rule === "string") {
                assert.equal(error.message, `${prefix}${rule} (nothing was changed)`);
              } else {
                assert.ok(error.message.startsWith(prefix), error.message);
                assert.match(error.message.slice(prefix.length), rule);
              }
              return true;
            },
          );
        });
      }

      await t.step(
        "nothing changed: no login, no membership, no settings, no new role",
        async () => {
          const changed = await admin<{ rolname: string }[]>`
          select r.rolname from pg_roles r
          where r.rolname in ${admin(roles)}
            and (
              (r.rolcanlogin and r.rolname not in ${
            admin([pipeline, `etl_other_${id}`, `m_login_${id}`])
          })
              or exists (select from pg_db_role_setting s where s.setrole = r.oid)
              or exists (
                select from pg_auth_members m join pg_roles g on g.oid = m.roleid
                where m.member = r.oid and g.rolname = 'anime_reader'
              )
            )`;
          assert.deepEqual(changed.map((row) => row.rolname), []);
          const truncated = await admin`select 1 from pg_roles where rolname like ${`long_${id}%`}`;
          assert.equal(truncated.length, 0);
        },
      );

      await t.step(
        "--allow-existing turns a NOLOGIN role into an analyst and says so",
        async () => {
          const cwd = await Deno.makeTempDir({ prefix: "grant-existing-" });
          try {
            const config = await writeConfig(cwd, NO_S3, db);
            const name = `m_nologin_${id}`;
            const result = await grantAnalystCli(
              ["--config", config, "--role", name, "--allow-existing"],
              cwd,
            );
            assert.equal(result.code, 0, result.stderr);
            assert.match(
              result.stdout,
              new RegExp(
                `^grant:converted existing role "${name}" is now an analyst login \\(--allow-existing\\)$`,
                "m",
              ),
            );
            const [row] = await admin`select rolcanlogin from pg_roles where rolname = ${name}`;
            assert.equal(row?.rolcanlogin, true);
          } finally {
            await Deno.remove(cwd, { recursive: true });
          }
        },
      );
    } finally {
      for (const database of databases) {
        await admin.unsafe(`drop database if exists ${database}`).catch(() => {});
      }
      await admin.unsafe(`drop schema if exists s_${id}`).catch(() => {});
      await admin.unsafe(`drop table if exists t_${id}`).catch(() => {});
      for (const name of roles.reverse()) {
        await admin.unsafe(`drop role if exists ${quoteIdent(name)}`).catch(() => {});
      }
      await admin.end();
    }
  },
);

Deno.test(
  "grant-analyst runs in one transaction: a refusal found after its changes leaves nothing behind",
  async () => {
    const db = await freshDatabase("atomic");
    const admin = connectTo(db);
    const id = crypto.randomUUID().slice(0, 8);
    const [first, second] = [`first_${id}`, `second_${id}`];
    try {
      await admin`create table public.anime_list (user_id int)`;
      await grantAnalyst(db, { role: first, password: "first-Pa55", pipelineRoles: [db.user] });
      // Someone gave the group role more than reading in this database.
      await admin`grant insert on public.anime_list to anime_reader`;
      await assert.rejects(
        grantAnalyst(db, { role: second, password: "second-Pa55", pipelineRoles: [db.user] }),
        (error: Error) => {
          assert.equal(
            error.message,
            `Cannot make role "${second}" an analyst: [privileges] it is a member of ` +
              '"anime_reader", which is granted more than reading: INSERT on table anime_list ' +
              "(nothing was changed)",
          );
          return true;
        },
      );
      const left = await admin`select rolname from pg_roles where rolname = ${second}`;
      assert.equal(left.length, 0, "the role created before the refusal was rolled back");
    } finally {
      await admin`revoke insert on public.anime_list from anime_reader`.catch(() => {});
      for (const name of [first, second]) {
        await admin.unsafe(`drop owned by ${quoteIdent(name)}`).catch(() => {});
        await admin.unsafe(`drop role if exists ${quoteIdent(name)}`).catch(() => {});
      }
      await admin.end();
    }
  },
);

Deno.test(
  "grant-analyst warns about CREATE on schema public from the server's version and the real grant",
  async (t) => {
    const db = await freshDatabase("public");
    const admin = connectTo(db);
    const cwd = await Deno.makeTempDir({ prefix: "grant-public-" });
    const id = crypto.randomUUID().slice(0, 8);
    const [owner, analyst] = [`owner_${id}`, `analyst_${id}`];
    try {
      const config = await writeConfig(cwd, NO_S3, db);
      const [row] = await admin<{ version: number }[]>`
        select current_setting('server_version_num')::int as version`;
      const version = row!.version;
      assert.ok(version >= 150000, "the test cluster is PostgreSQL 17");

      await t.step("a database owner is refused, without the PostgreSQL < 15 warning", async () => {
        await admin.unsafe(`create role ${owner} nologin`);
        await admin.unsafe(`alter database ${db.database} owner to ${owner}`);
        const result = await grantAnalystCli(
          ["--config", config, "--role", owner, "--allow-existing"],
          cwd,
        );
        assert.equal(result.code, 1);
        assert.equal(
          result.stderr.trim(),
          `grant:failed ROLE_REFUSED: Cannot make role "${owner}" an analyst: [database-owner] it is the owner ` +
            `of database "${db.database}" (nothing was changed)`,
        );
        await admin.unsafe(`alter database ${db.database} owner to ${db.user}`);
      });

      await t.step(
        "no warning while PUBLIC cannot create in public (the default since 15)",
        async () => {
          const result = await grantAnalystCli(["--config", config, "--role", analyst], cwd);
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stderr, "");
        },
      );

      await t.step("CREATE granted to PUBLIC is named, with the server's version", async () => {
        await admin`grant create on schema public to public`;
        const result = await grantAnalystCli(["--config", config, "--role", analyst], cwd);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(
          result.stderr.trim(),
          `grant:warning role "${analyst}" can create tables in schema public: CREATE on it is ` +
            `granted to PUBLIC on this PostgreSQL ${
              Math.floor(version / 10000)
            } (not the default ` +
            "since 15): REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        );
      });
    } finally {
      await admin`revoke create on schema public from public`.catch(() => {});
      await admin.unsafe(`alter database ${db.database} owner to ${db.user}`).catch(() => {});
      for (const name of [analyst, owner]) {
        await admin.unsafe(`drop owned by ${quoteIdent(name)}`).catch(() => {});
        await admin.unsafe(`drop role if exists ${quoteIdent(name)}`).catch(() => {});
      }
      await admin.end();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
