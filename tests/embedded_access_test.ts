// Tests of who can reach the embedded default: its owner (and root) with the printed `connect:`
// command, no other account by any route; a `.data/` from the earlier trust setup is secured on its
// next start with its data kept; and the crontab's commands work under exactly cron's environment.
import assert from "node:assert/strict";
import postgres from "postgres";
import { join } from "node:path";
import { projectPath, runScript } from "./helpers/project_script.ts";
import { portFromEnv } from "./helpers/ports.ts";
import {
  embeddedPaths,
  runEmbeddedTool,
  startEmbeddedPostgres,
  stopEmbeddedPostgres,
} from "../lib/embedded/embedded_postgres.ts";
import type { DbSettings } from "../lib/config/settings.ts";
import { DEMO_LIST_ROWS } from "./helpers/demo_data.ts";

const AS_ROOT = Deno.uid() === 0;
/** cron's PATH, as deploy/crontab sets it: no /usr/sbin, where runuser lives. */
const CRON_PATH = "/usr/local/bin:/usr/bin:/bin";
const decoder = new TextDecoder();

/** `TEST_ACCESS_PORT`, else a port free right now (never the embedded default or the test cluster). */
function accessPort(): number {
  return portFromEnv("TEST_ACCESS_PORT");
}

/** A folder that looks like a checkout to `deno task` (the project's files linked), with its own `.data/`. */
async function checkout(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "anime-etl-checkout-" });
  // The server runs as the unprivileged `postgres` when we are root: it must reach the folder.
  await Deno.chmod(dir, 0o755);
  for (const entry of ["deno.json", "deno.lock", "lib", "sql", "node_modules"]) {
    await Deno.symlink(projectPath(entry), join(dir, entry));
  }
  return dir;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(program: string, args: string[], env?: Record<string, string>) {
  const output = await new Deno.Command(program, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(env ? { clearEnv: true, env } : {}),
  }).output();
  // deno task colours its "Task ..." line even into a pipe.
  // deno-lint-ignore no-control-regex
  const plain = (bytes: Uint8Array) => decoder.decode(bytes).replace(/\x1b\[[0-9;]*m/g, "");
  return { code: output.code, stdout: plain(output.stdout), stderr: plain(output.stderr) };
}

/**
 * A crontab line's command, run the way cron runs it: `/bin/sh -c` with only cron's variables
 * (`env -i`), plus the crontab's own `ETL_EMBEDDED_PORT` line. `deno` is taken from cron's PATH when
 * it is there (it is on our machines); elsewhere by its absolute path.
 */
async function asCron(dir: string, command: string, port: number): Promise<Outcome> {
  const deno = (await onCronPath("deno")) ? "deno" : Deno.execPath();
  return await run("/usr/bin/env", [
    "-i",
    `PATH=${CRON_PATH}`,
    `HOME=${Deno.env.get("HOME") ?? "/root"}`,
    `LOGNAME=${AS_ROOT ? "root" : Deno.env.get("LOGNAME") ?? "user"}`,
    "SHELL=/bin/sh",
    `ETL_EMBEDDED_PORT=${port}`,
    "/bin/sh",
    "-c",
    `cd '${dir}' && ${command.replaceAll("deno ", `${deno} `)}`,
  ]);
}

async function onCronPath(program: string): Promise<boolean> {
  for (const folder of CRON_PATH.split(":")) {
    try {
      await Deno.stat(join(folder, program));
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** psql as the unprivileged account `nobody`, with extra environment (e.g. PGPASSWORD). */
function psqlAsNobody(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return run("/usr/sbin/runuser", [
    "-u",
    "nobody",
    "--",
    "/usr/bin/env",
    ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
    "psql",
    "-X",
    "-w",
    ...args,
  ], { PATH: CRON_PATH, HOME: "/nonexistent" });
}

/** psql's arguments for TCP on 127.0.0.1 to database anime. */
function overTcp(port: number, user = "postgres"): string[] {
  return ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", "anime"];
}

/** A file `COPY ... TO PROGRAM` would create if it ran (the server's account can write /tmp). */
function programMarker(): string {
  return `/tmp/anime-etl-copy-program-${crypto.randomUUID().slice(0, 8)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function firstError(outcome: Outcome): string {
  return outcome.stderr.split("\n").find((line) => /error|FATAL/.test(line)) ?? outcome.stderr;
}

Deno.test(
  "the embedded default under cron's environment: etl, deadline:check and the printed connect command work; other accounts are refused",
  async (t) => {
    const dir = await checkout();
    const port = accessPort();
    const { passwordFile, socketDir } = embeddedPaths(join(dir, ".data"));
    const connectLine =
      `connect: PGPASSFILE=.data/pgpass psql postgres://postgres@127.0.0.1:${port}/anime`;
    try {
      await t.step("deno task etl runs as the crontab line runs it", async () => {
        const etl = await asCron(dir, "deno task etl --trigger cron", port);
        assert.equal(etl.code, 0, etl.stderr + etl.stdout);
        assert.match(etl.stdout, /^run 1: succeeded in [\d.]+ s$/m);
        assert.ok(etl.stdout.split("\n").includes(connectLine), etl.stdout);
        const password = (await Deno.readTextFile(passwordFile)).trim();
        assert.ok(password.length >= 40);
        assert.ok(!(etl.stdout + etl.stderr).includes(password), "the password is never printed");
      });

      await t.step("the printed connect: command works as printed", async () => {
        const command = connectLine.slice("connect: ".length);
        const psql = await run("/bin/sh", [
          "-c",
          `cd '${dir}' && ${command} -X -Atc 'select count(*) from anime_list'`,
        ], { PATH: CRON_PATH, HOME: Deno.env.get("HOME") ?? "/root" });
        assert.equal(psql.code, 0, psql.stderr);
        assert.equal(psql.stdout.trim(), String(DEMO_LIST_ROWS));
      });

      await t.step("deno task deadline:check checks under cron's environment", async () => {
        const check = await asCron(dir, "deno task deadline:check", port);
        const output = check.stdout + check.stderr;
        assert.ok(check.code === 0 || check.code === 1, output);
        assert.match(output, /^deadline:(met|late|missed|at_risk) deadline /m);
        assert.doesNotMatch(output, /deadline:unchecked/);
      });

      await t.step({
        name: "another account (nobody) is refused: TCP without or with a wrong password, the " +
          "socket, the pgpass file; COPY ... TO PROGRAM never runs",
        ignore: !AS_ROOT,
        fn: async () => {
          const marker = programMarker();
          const copy = `copy (select 1) to program 'id > ${marker}'`;
          const tcp = (user: string) => [...overTcp(port, user), "-c", copy];
          const attempts: [string, Promise<Outcome>, RegExp][] = [
            [
              "TCP as postgres without a password",
              psqlAsNobody(tcp("postgres")),
              /fe_sendauth: no password supplied/,
            ],
            [
              "TCP as postgres with a wrong password",
              psqlAsNobody(tcp("postgres"), { PGPASSWORD: "wrong" }),
              /password authentication failed for user "postgres"/,
            ],
            [
              "TCP as its own name without a password",
              psqlAsNobody(tcp("nobody")),
              /fe_sendauth: no password supplied/,
            ],
            [
              "the owner's pgpass file",
              psqlAsNobody(tcp("postgres"), {
                PGPASSFILE: join(dir, ".data", "pgpass"),
              }),
              /fe_sendauth: no password supplied/,
            ],
            [
              "the Unix socket",
              psqlAsNobody([
                "-h",
                socketDir,
                "-p",
                String(port),
                "-U",
                "postgres",
                "-d",
                "anime",
                "-c",
                copy,
              ]),
              /\.s\.PGSQL\.\d+" failed: Permission denied/,
            ],
          ];
          for (const [what, attempt, refusal] of attempts) {
            const outcome = await attempt;
            assert.equal(outcome.code, 2, `${what}: ${outcome.stdout}${outcome.stderr}`);
            assert.match(outcome.stderr, refusal, what);
            console.log(`  nobody, ${what}: ${firstError(outcome)}`);
          }
          assert.equal(await exists(marker), false, "COPY ... TO PROGRAM ran");
        },
      });

      await t.step({
        name: "an analyst from grant-analyst logs in over TCP with its password and only reads",
        ignore: !AS_ROOT,
        fn: async () => {
          const role = `analyst_${crypto.randomUUID().slice(0, 8)}`;
          const password = `pw-${crypto.randomUUID()}`;
          const grant = await runScript(
            "lib/cli/grant_analyst.ts",
            ["--role", role, "--password-env", "ANALYST_PASSWORD"],
            { cwd: dir, env: { ETL_EMBEDDED_PORT: String(port), ANALYST_PASSWORD: password } },
          );
          assert.equal(grant.code, 0, grant.stderr);
          assert.ok(!(grant.stdout + grant.stderr).includes(password));
          const tcp = overTcp(port, role);
          const reads = await psqlAsNobody([...tcp, "-Atc", "select count(*) from anime_list"], {
            PGPASSWORD: password,
          });
          assert.equal(reads.code, 0, reads.stderr);
          assert.equal(reads.stdout.trim(), String(DEMO_LIST_ROWS));
          const marker = programMarker();
          const program = await psqlAsNobody(
            [...tcp, "-c", `copy (select 1) to program 'id > ${marker}'`],
            { PGPASSWORD: password },
          );
          assert.equal(program.code, 1, program.stdout);
          assert.match(program.stderr, /permission denied to COPY to or from an external program/);
          console.log(`  analyst, COPY ... TO PROGRAM: ${firstError(program)}`);
          assert.equal(await exists(marker), false, "COPY ... TO PROGRAM ran");
          const noPassword = await psqlAsNobody([...tcp, "-c", "select 1"]);
          assert.match(noPassword.stderr, /fe_sendauth: no password supplied/);
        },
      });

      await t.step("deno task db:stop stops it under cron's environment", async () => {
        const stop = await asCron(dir, "deno task db:stop", port);
        assert.equal(stop.code, 0, stop.stderr);
        assert.match(stop.stdout, /^db:stopped embedded PostgreSQL on port \d+ \(/m);
      });
    } finally {
      await stopEmbeddedPostgres({ rootDir: join(dir, ".data"), port }).catch(() => false);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** The steps the version before owner-only access took on first start: initdb with trust, start. */
async function createTrustEraCluster(rootDir: string, port: number) {
  const { dataDir } = embeddedPaths(rootDir);
  await Deno.mkdir(rootDir, { recursive: true });
  await Deno.mkdir(dataDir, { mode: 0o700 });
  if (AS_ROOT) {
    const chown = await run("/usr/bin/chown", ["postgres:", dataDir]);
    assert.equal(chown.code, 0, chown.stderr);
  }
  const initdb = await runEmbeddedTool("initdb", [
    `--pgdata=${dataDir}`,
    "--username=postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
  ], { rootDir, port });
  assert.ok(initdb.ok, initdb.output);
  await Deno.writeTextFile(join(dataDir, "postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\n", {
    append: true,
  });
  const start = await runEmbeddedTool("pg_ctl", [
    "start",
    "--wait",
    `--pgdata=${dataDir}`,
    `--log=${join(dataDir, "server.log")}`,
    `--options=-p ${port} -k ${dataDir}`,
  ], { rootDir, port });
  assert.ok(start.ok, start.output);
  // Trust: no password at all.
  const sql = connect({ port, database: "postgres", password: "" });
  try {
    await sql`create database anime`;
  } finally {
    await sql.end();
  }
  const anime = connect({ port, database: "anime", password: "" });
  try {
    await anime`create table kept (id int primary key, name text)`;
    await anime`insert into kept values (1, 'Cowboy Bebop'), (2, 'Trigun'), (3, 'Monster')`;
  } finally {
    await anime.end();
  }
}

function connect(db: { port: number; database: string; password: string }) {
  return postgres({
    host: "127.0.0.1",
    port: db.port,
    database: db.database,
    username: "postgres",
    password: db.password,
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
  });
}

async function refusesWithoutPassword(port: number): Promise<boolean> {
  const sql = connect({ port, database: "anime", password: "" });
  try {
    await sql`select 1`;
    return false;
  } catch (error) {
    return /password/i.test(String(error));
  } finally {
    await sql.end();
  }
}

for (const oldServer of ["running", "stopped"] as const) {
  Deno.test(
    `a .data/ from the trust setup (server ${oldServer}) is secured on the next start, its data kept`,
    async (t) => {
      const dir = await Deno.makeTempDir({ prefix: "anime-etl-trust-era-" });
      await Deno.chmod(dir, 0o755);
      const rootDir = join(dir, ".data");
      const port = accessPort();
      try {
        await createTrustEraCluster(rootDir, port);
        if (AS_ROOT) {
          const open = await psqlAsNobody([...overTcp(port), "-Atc", "select current_user"]);
          assert.equal(open.stdout.trim(), "postgres", "the old setup let any account in");
        }
        if (oldServer === "stopped") assert.ok(await stopEmbeddedPostgres({ rootDir, port }));

        const notices: string[] = [];
        let db: DbSettings | undefined;
        await t.step("the next start says once that it secured the folder", async () => {
          db = await startEmbeddedPostgres({ rootDir, port, log: (line) => notices.push(line) });
          assert.equal(notices.length, 1, notices.join("\n"));
          assert.match(
            notices[0]!,
            /^embedded:secured .*\.data: trust authentication removed \(data kept\); TCP on 127\.0\.0\.1 now needs a password \(SCRAM-SHA-256, in .*\.data\/pgpass\), and the socket in .*\.data\/socket is for \w+ and root only$/,
          );
          assert.ok(!notices[0]!.includes(db.password));
          await startEmbeddedPostgres({ rootDir, port, log: (line) => notices.push(line) });
          assert.equal(notices.length, 1, "said once");
        });

        await t.step("the data is intact and the password works", async () => {
          const sql = connect({ port, database: "anime", password: db!.password });
          try {
            const rows = await sql`select id, name from kept order by id`;
            assert.deepEqual(rows.map((row) => row.name), ["Cowboy Bebop", "Trigun", "Monster"]);
          } finally {
            await sql.end();
          }
        });

        await t.step(
          "trust is gone from pg_hba.conf and no connection gets in without a password",
          async () => {
            const sql = connect({ port, database: "anime", password: db!.password });
            try {
              const rules = await sql<{ type: string; auth_method: string }[]>`
              select type, auth_method from pg_hba_file_rules order by rule_number`;
              assert.deepEqual(rules.map((rule) => `${rule.type} ${rule.auth_method}`), [
                "local peer",
                "host scram-sha-256",
                "host scram-sha-256",
              ]);
            } finally {
              await sql.end();
            }
            assert.equal(await refusesWithoutPassword(port), true);
            if (AS_ROOT) {
              const refused = await psqlAsNobody([...overTcp(port), "-c", "select 1"]);
              assert.match(refused.stderr, /fe_sendauth: no password supplied/);
            }
          },
        );
      } finally {
        await stopEmbeddedPostgres({ rootDir, port }).catch(() => false);
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
