// Tests for PgBouncer in front of the published data: the configuration `deno task serve:pgbouncer`
// writes, run by the real Debian pgbouncer in transaction mode, lets analysts in with their own
// password, answers the analyst queries, holds 200 concurrent postgres.js clients on a few server
// sessions, and keeps refusing writes.
import assert from "node:assert/strict";
import postgres from "postgres";
import type { DbSettings } from "../lib/config/settings.ts";
import { sqlText } from "../lib/db/sql_files.ts";
import { grantAnalyst } from "../lib/security/grant_analyst.ts";
import { writePgbouncerConfig } from "../lib/serve/pgbouncer_config.ts";
import { startPgbouncer } from "../lib/serve/pgbouncer_process.ts";
import { connectTo, startTestStore } from "./helpers/services.ts";
import { publishGenerated } from "./helpers/generated_published.ts";
import { requirePasswordsForPwRoles } from "./helpers/password_roles.ts";
import { portFromEnv } from "./helpers/ports.ts";
import { runScript, startScript } from "./helpers/project_script.ts";

const suffix = crypto.randomUUID().slice(0, 8);
const ANALYST = `pw_bouncer_${suffix}`;
const PASSWORD = `bouncer-Pa55 ü ${suffix}`;
// In the helper's range (61380-61399 for this checkout), or a free one.
const PORT = portFromEnv("TEST_PGBOUNCER_PORT");

function throughBouncer(db: DbSettings, port: number, password = PASSWORD, max = 1) {
  return postgres({
    host: "127.0.0.1",
    port,
    database: db.database,
    username: ANALYST,
    password,
    max,
    // Transaction pooling: the next statement may run on another server session.
    prepare: false,
    connect_timeout: 30,
    onnotice: () => {},
  });
}

const ANALYST_QUERIES: [string, (string | number)[]][] = [
  ["anime_by_watching_status", [1, 10]],
  ["highest_rated_anime", [10, 10]],
  ["top_genres_by_rating", [10, 10]],
];

Deno.test("PgBouncer in transaction mode serves analysts, many at once, read-only", async (t) => {
  await requirePasswordsForPwRoles();
  await using store = await startTestStore();
  const { db } = await publishGenerated(store, { label: "bouncer", animelistRows: 20_000 });
  await using admin = connectTo(db);
  await grantAnalyst(db, { role: ANALYST, password: PASSWORD });
  const dir = await Deno.makeTempDir({ prefix: "pgbouncer-" });
  try {
    const config = await writePgbouncerConfig(db, { dir, port: PORT });

    await t.step(
      "writes the configuration and auth file mode 0600, no clear password",
      async () => {
        assert.deepEqual(config.roles, [ANALYST]);
        for (const path of [config.iniPath, config.authFile]) {
          assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, path);
          assert.ok(!(await Deno.readTextFile(path)).includes(PASSWORD), path);
        }
        assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
        const ini = await Deno.readTextFile(config.iniPath);
        assert.match(ini, /^pool_mode = transaction$/m);
        assert.match(ini, /^listen_addr = 127\.0\.0\.1$/m);
        assert.match(ini, /^auth_type = scram-sha-256$/m);
        assert.ok(Number(/^max_client_conn = (\d+)$/m.exec(ini)?.[1]) >= 300);
        assert.ok(!ini.includes("{{"), "every placeholder is filled");
        const [stored] = await admin<{ verifier: string }[]>`
        select rolpassword as verifier from pg_authid where rolname = ${ANALYST}`;
        assert.equal(
          await Deno.readTextFile(config.authFile),
          `"${ANALYST}" "${stored!.verifier}"\n`,
        );
      },
    );

    await using bouncer = await startPgbouncer(config);

    await t.step("lets the analyst in with its password only", async () => {
      const wrong = throughBouncer(db, bouncer.port, "wrong");
      await assert.rejects(() => wrong`select 1`, /password authentication failed|SASL/);
      await wrong.end();
      const analyst = throughBouncer(db, bouncer.port);
      const [who] = await analyst`select current_user as role`;
      assert.equal(who!.role, ANALYST);
      await analyst.end();
    });

    await t.step("answers the analyst queries and user_list as PostgreSQL does", async () => {
      const analyst = throughBouncer(db, bouncer.port);
      try {
        const [user] = await admin<{ user_id: number }[]>`
          select user_id from anime_list group by user_id order by count(*) desc limit 1`;
        for (
          const [name, parameters] of [
            ...ANALYST_QUERIES,
            ["user_list", [user!.user_id]] as [string, number[]],
          ]
        ) {
          const text = await sqlText(`queries/${name}`);
          const direct = await admin.unsafe(text, parameters);
          const pooled = await analyst.unsafe(text, parameters);
          assert.ok(direct.length > 0, `${name} returns rows`);
          assert.deepEqual([...pooled], [...direct], name);
        }
      } finally {
        await analyst.end();
      }
    });

    await t.step("200 concurrent clients succeed on a few server sessions", async () => {
      const clients = Array.from({ length: 200 }, () => throughBouncer(db, bouncer.port));
      let peakSessions = 0;
      const watching = (async () => {
        for (let i = 0; i < 40; i++) {
          const [row] = await admin<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity where usename = ${ANALYST}`;
          peakSessions = Math.max(peakSessions, row!.n);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      try {
        const text = await sqlText("queries/user_list");
        const results = await Promise.allSettled(
          clients.map((client, i) =>
            client.begin("isolation level repeatable read", async (tx) => {
              const rows = await tx.unsafe(text, [1 + (i % 50)]);
              const [count] = await tx.unsafe(
                "select count(*)::int as n from anime_list where user_id = $1",
                [1 + (i % 50)],
              );
              assert.equal(rows.length, count!.n);
              return rows.length;
            })
          ),
        );
        const failed = results.filter((result) => result.status === "rejected");
        assert.deepEqual(failed, [], "no client failed");
      } finally {
        await watching;
        await Promise.all(clients.map((client) => client.end()));
      }
      // max_db_connections of deploy/pgbouncer/pgbouncer.ini.
      assert.ok(
        peakSessions >= 1 && peakSessions <= 8,
        `${peakSessions} server sessions for 200 clients`,
      );
    });

    await t.step("refused writes stay refused through the pool", async () => {
      const analyst = throughBouncer(db, bouncer.port);
      try {
        const outcome = async (statement: string) => {
          try {
            await analyst.unsafe(statement);
            return "ok";
          } catch (error) {
            return (error as { code?: string }).code ?? String(error);
          }
        };
        assert.equal(await outcome("insert into anime_list values (5, 1, 1, 1, 1, 1, 1)"), "25006");
        assert.equal(await outcome("create table public.sneaky (id int)"), "25006");
        // A session setting does not outlive its transaction in the pool, and the privileges
        // refuse the write anyway.
        assert.equal(
          await outcome(
            "begin read write; delete from anime_genre; commit",
          ),
          "42501",
        );
        await analyst.unsafe("rollback").catch(() => {});
        const [rows] = await admin<{ n: number }[]>`select count(*)::int as n from anime_genre`;
        assert.ok(rows!.n > 0);
      } finally {
        await analyst.end();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await admin.unsafe(`drop owned by "${ANALYST}"`).catch(() => {});
    await admin.unsafe(`drop role if exists "${ANALYST}"`).catch(() => {});
  }
});

Deno.test("deno task serve:pgbouncer --write-only writes the configuration, never the secrets", async () => {
  await requirePasswordsForPwRoles();
  await using store = await startTestStore();
  const { db, s3 } = await publishGenerated(store, { label: "bouncercli", animelistRows: 2_000 });
  await using admin = connectTo(db);
  const role = `pw_bouncli_${suffix}`;
  await grantAnalyst(db, { role, password: PASSWORD });
  const cwd = await Deno.makeTempDir({ prefix: "pgbouncer-cli-" });
  // Run as root, PgBouncer runs as the postgres account, which must reach its folder.
  await Deno.chmod(cwd, 0o755);
  try {
    const { writeConfig } = await import("./helpers/services.ts");
    const config = await writeConfig(cwd, s3, db);
    const result = await runScript(
      "lib/cli/serve_pgbouncer.ts",
      ["--config", config, "--write-only", "--port", String(PORT), "--dir", `${cwd}/pgb`],
      { cwd },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^pgbouncer:written .*for 1 analyst role\\(s\\): "${role}"$`, "m"),
    );
    assert.ok(!(result.stdout + result.stderr).includes(db.password));
    assert.ok(!(result.stdout + result.stderr).includes("SCRAM-SHA-256$"));
    assert.equal((await Deno.stat(`${cwd}/pgb/userlist.txt`)).mode! & 0o777, 0o600);

    // Without --write-only it runs PgBouncer until SIGTERM.
    await using serving = startScript(
      "lib/cli/serve_pgbouncer.ts",
      ["--config", config, "--port", String(PORT), "--dir", `${cwd}/pgb`],
      { cwd },
    );
    const analyst = postgres({
      host: "127.0.0.1",
      port: PORT,
      database: db.database,
      username: role,
      password: PASSWORD,
      max: 1,
      prepare: false,
      onnotice: () => {},
    });
    try {
      const deadline = Date.now() + 30_000;
      let answer: number | undefined;
      while (answer === undefined) {
        try {
          const [row] = await analyst`select count(*)::int as n from anime_master`;
          answer = row!.n;
        } catch (error) {
          if (serving.exited()) {
            const ended = await serving.finished;
            throw new Error(`serve:pgbouncer ended early:\n${ended.stdout}\n${ended.stderr}`);
          }
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      assert.ok(answer > 0);
    } finally {
      await analyst.end();
    }
    Deno.kill(serving.pid, "SIGTERM");
    const ran = await serving.finished;
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^pgbouncer:listening 127\.0\.0\.1:\d+ \(database /m);
    assert.match(ran.stdout, /^pgbouncer:stopped \(exit code \d+\)$/m);
    assert.ok(!(ran.stdout + ran.stderr).includes(db.password));
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await admin.unsafe(`drop owned by "${role}"`).catch(() => {});
    await admin.unsafe(`drop role if exists "${role}"`).catch(() => {});
  }
});
