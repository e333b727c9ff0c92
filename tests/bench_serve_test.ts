// End-to-end test of `deno task bench:serve` at a tiny size: its own servers and PgBouncer, clients
// through it while a full refresh and an incremental run publish, the table and the JSON report.
// No timing is asserted: only the report's shape and that no query failed or saw a mixed data set.
import assert from "node:assert/strict";
import type { ServeReport } from "../lib/bench/serve_bench.ts";
import { autogroupsEnabled } from "../lib/db/process_priority.ts";
import { stopEmbeddedPostgres } from "../lib/embedded/embedded_postgres.ts";
import { portFromEnv } from "./helpers/ports.ts";
import { runScript } from "./helpers/project_script.ts";

const DB_PORT = portFromEnv("TEST_SERVE_BENCH_PORT");
const PGBOUNCER_PORT = portFromEnv("TEST_SERVE_PGBOUNCER_PORT");
/** The command line of a `--cpu-hogs` process. */
const HOG = "sh -c while :; do :; done";

Deno.test("deno task bench:serve loads, publishes under load and reports every target", async (t) => {
  const cwd = await Deno.makeTempDir({ prefix: "bench-serve-" });
  // The embedded server runs as the postgres account when we are root: it must reach .data/.
  await Deno.chmod(cwd, 0o755);
  const env = { ETL_EMBEDDED_PORT: String(DB_PORT) };
  try {
    await t.step("a bad client count is refused with the usage", async () => {
      const bad = await runScript("lib/cli/bench_serve.ts", ["--clients", "0"], { cwd, env });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--clients must be an integer from 1 to 1000, got "0"/);
      assert.match(bad.stderr, /usage: deno task bench:serve/);
      const nice = await runScript("lib/cli/bench_serve.ts", ["--priority", "20"], { cwd, env });
      assert.equal(nice.code, 2);
      assert.match(nice.stderr, /--priority must be a nice value from 1 to 19, or off, got "20"/);
    });

    await t.step(
      "5 clients for 2 s on 2,000 rows and a CPU hog: zero errors, the report's shape",
      async () => {
        const run = await runScript(
          "lib/cli/bench_serve.ts",
          [
            "--animelist-rows",
            "2000",
            // Whole windows of the generator's dirt (4 lines per 1,000), under the reject threshold.
            "--delta-rows",
            "1000",
            "--clients",
            "5",
            "--seconds",
            "2",
            "--pgbouncer-port",
            String(PGBOUNCER_PORT),
            "--cpu-hogs",
            "1",
          ],
          { cwd, env },
        );
        assert.equal(run.code, 0, run.stderr + run.stdout);
        const lines = run.stdout.split("\n");
        assert.match(
          lines[0]!,
          /^5 clients through PgBouncer \(pool \d+\) for [\d.]+ s on 2,000 list rows; PostgreSQL \d+\.\d+; \d+ cores; wal_level (minimal|replica); each answer one statement; closed loop \(each client asks again at once\)$/,
        );
        for (
          const name of [
            "all",
            "user_list",
            "anime_by_watching_status",
            "highest_rated_anime",
            "top_genres_by_rating",
          ]
        ) {
          assert.ok(
            lines.some((line) =>
              new RegExp(`^${name} +[\\d,]+ +[\\d,.]+( +[\\d,.]+){4}$`).test(line)
            ),
            `a row for ${name}:\n${run.stdout}`,
          );
        }
        assert.match(
          lines[1]!,
          /^ETL_PRIORITY default; CPU hogs 1; load average [\d.]+ [\d.]+ [\d.]+ at the start, [\d.]+ [\d.]+ [\d.]+ at the end$/,
        );
        assert.match(run.stdout, /^errors 0; answers from a mixed data set 0$/m);
        assert.match(
          run.stdout,
          /^publish full refresh \(etl: full\) at [\d.]+ s for [\d.]+ s: [\d,]+ queries meanwhile, worst stall [\d,.]+ ms, p95 [\d,.]+ ms$/m,
        );
        // The bench's runs yield to its readers: the pipeline's default, lowered on this machine.
        assert.match(
          run.stdout,
          autogroupsEnabled()
            ? /^ {2}priority: process, 2 backends and \d+ parallel workers? at nice 10, their \d+ autogroups too, I\/O best-effort 7$/m
            : /^ {2}priority: process, 2 backends and \d+ parallel workers? at nice 10, I\/O best-effort 7$/m,
        );
        assert.match(run.stdout, /^publish incremental \(etl: incremental\) at /m);
        for (
          const target of [
            "≥ 1,000 queries per second",
            "p95 latency < 50 ms",
            "no failed query",
            "every answer from one data set",
            "the full refresh publishes",
            "the incremental publishes",
            "worst stall during the full refresh < 1 s",
            "worst stall during the incremental < 1 s",
          ]
        ) {
          assert.match(run.stdout, new RegExp(`^target ${target}: .*, (met|MISSED)$`, "m"));
        }
        const report = JSON.parse(
          await Deno.readTextFile(`${cwd}/reports/bench/serve-2000.json`),
        ) as ServeReport;
        assert.deepEqual(
          JSON.parse(await Deno.readTextFile(`${cwd}/reports/bench/serve-latest.json`)),
          report,
        );
        assert.equal(report.clients, 5);
        assert.equal(report.cpuHogs, 1);
        assert.equal(report.priority, "default");
        const hogs = await new Deno.Command("pgrep", { args: ["-fx", HOG], stdout: "piped" })
          .output();
        assert.equal(
          new TextDecoder().decode(hogs.stdout).trim(),
          "",
          "no CPU hog outlives the bench",
        );
        assert.equal(report.errors, 0, report.errorSamples.join("\n"));
        assert.equal(report.inconsistent, 0, report.inconsistentSamples.join("\n"));
        assert.ok(report.latency.queries > 0);
        assert.equal(
          report.byQuery.reduce((sum, entry) => sum + entry.queries, 0),
          report.latency.queries,
        );
        assert.deepEqual(report.publishes.map((p) => [p.name, p.runKind, p.published]), [
          ["full refresh", "full", true],
          ["incremental", "incremental", true],
        ]);
        assert.ok(report.seconds >= 2);
        assert.equal(report.verdicts.find((v) => v.target === "no failed query")?.met, true);
      },
    );
  } finally {
    await stopEmbeddedPostgres({ rootDir: `${cwd}/.data`, port: DB_PORT });
    await Deno.remove(cwd, { recursive: true });
  }
});
