// End-to-end test of `deno task bench` at a small size: its own servers, the table, the JSON report.
import assert from "node:assert/strict";
import type { BenchReport } from "../lib/bench/run_bench.ts";
import { runScript } from "./helpers/project_script.ts";
import { TEST_BENCH_PORT } from "./helpers/ports.ts";

const BENCH_PORT = String(TEST_BENCH_PORT);

Deno.test(
  "deno task bench measures the pipeline against the limit and writes its report",
  async (t) => {
    const cwd = await Deno.makeTempDir({ prefix: "bench-" });
    // The limit's COPY reads the generated file as the database server's user.
    await Deno.chmod(cwd, 0o755);
    const env = { ETL_EMBEDDED_PORT: BENCH_PORT };
    try {
      await t.step("a bad row count is refused with the usage", async () => {
        const bad = await runScript("lib/cli/bench.ts", ["--animelist-rows", "12.5"], { cwd, env });
        assert.equal(bad.code, 2);
        assert.match(
          bad.stderr,
          /--animelist-rows must be an integer from 1000 to 1000000000, got "12.5"/,
        );
        assert.match(bad.stderr, /usage: deno task bench/);
      });

      await t.step(
        "a port already taken fails in one line naming it, with exit code 1",
        async () => {
          using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
          const port = String((taken.addr as Deno.NetAddr).port);
          const run = await runScript(
            "lib/cli/bench.ts",
            ["--animelist-rows", "1000", "--capstone-rows", "10", "--delta-rows", "100"],
            { cwd, env: { ETL_EMBEDDED_PORT: port } },
          );
          assert.equal(run.code, 1, run.stderr + run.stdout);
          assert.match(
            run.stderr,
            new RegExp(`^bench:failed .*Cannot start embedded PostgreSQL on port ${port}`, "m"),
          );
          assert.doesNotMatch(run.stderr, /Uncaught/);
        },
      );

      await t.step("2,000 rows: every way measured, one table, the JSON report", async () => {
        const run = await runScript(
          "lib/cli/bench.ts",
          [
            "--animelist-rows",
            "2000",
            "--capstone-rows",
            "200",
            // Whole windows of the generator's dirt (4 lines per 1,000): a 0.4% share, under the
            // 1% reject threshold, as in the snapshot.
            "--delta-rows",
            "1000",
            "--deltas",
            "3",
            // Two rounds of the limit and the full refresh: the medians below.
            "--repeat",
            "2",
          ],
          { cwd, env },
        );
        assert.equal(run.code, 0, run.stderr + run.stdout);
        for (
          const stage of [
            "generate",
            "etl",
            "export",
            "delta",
            "replay",
            "limit",
            "export-limit",
            "capstone",
            "eda",
            "repeat",
          ]
        ) assert.match(run.stderr, new RegExp(`^bench:${stage} .*\\(at \\d+ s\\)$`, "m"));
        const lines = run.stdout.split("\n");
        assert.match(
          lines[0]!,
          /^animelist\.csv 2,000 rows, [\d.]+ MB; .* PostgreSQL \d+\.\d+; \d+ cores; wal_level (minimal|replica)$/,
        );
        for (
          const way of [
            "this pipeline (deno task etl, 4 files)",
            "limit: COPY + PRIMARY KEY",
            "limit, load session settings",
            "COPY alone",
            "COPY into UNLOGGED table",
            "capstone: INSERT per row *",
            "deno task export (Parquet)",
            "export limit: COPY anime_list TO STDOUT",
          ]
        ) {
          assert.ok(
            lines.some((line) => line.startsWith(way) && /\d\.\d\d$/.test(line)),
            `a row for ${way}:\n${run.stdout}`,
          );
        }
        assert.match(
          run.stdout,
          /^\* extrapolated from the first rows: [\d.]+ s for the first 200 rows/m,
        );
        assert.match(run.stdout, /^target ≤ 1\.5x the limit: [\d.]+x, (met|MISSED)$/m);
        assert.match(run.stdout, /^target peak RSS ≤ 250 MB: \d+ MB, (met|MISSED)$/m);
        assert.match(
          run.stdout,
          /^target EDA read into polars from S3 ≤ 2x local: .* \(medians of 3 runs\)$/m,
        );
        assert.match(
          run.stdout,
          /^target notebook 02 peak RSS ≤ 1,500 MB: [\d,]+ MB \(its largest process, the kernel\), [\d.]+ s, (met|MISSED)$/m,
        );

        const report = JSON.parse(
          await Deno.readTextFile(`${cwd}/reports/bench/bench-2000.json`),
        ) as BenchReport;
        assert.deepEqual(
          JSON.parse(await Deno.readTextFile(`${cwd}/reports/bench/latest.json`)),
          report,
        );
        assert.equal(report.animelistRows, 2000);
        assert.equal(report.results.length, 11);
        // The delta rows: the run kinds come from etl.runs, each row names its own.
        const deltas = report.deltas!;
        assert.equal(deltas.deltaRows, 1000);
        assert.equal(deltas.replay.replayed, 3);
        assert.equal(deltas.incremental.kind, "incremental");
        assert.equal(deltas.replay.kind, "full");
        assert.ok(deltas.incremental.seconds > 0 && deltas.replay.seconds > 0);
        assert.ok(
          lines.some((line) =>
            line.startsWith("1 delta, 1,000 rows (etl: incremental)") &&
            /\d\.\d\d$/.test(line)
          ),
          run.stdout,
        );
        assert.ok(lines.some((line) => line.startsWith("full refresh + 3 deltas (etl: full)")));
        // anime.csv changed alone: the dimensions reconciled in place, not a full refresh.
        assert.equal(deltas.dimensions?.kind, "incremental");
        assert.ok(
          lines.some((line) => line.startsWith("anime.csv changed alone (etl: incremental)")),
        );
        assert.match(
          run.stdout,
          /^target a delta of 1,000 rows ≤ 15% of the full refresh: [\d.]+ s vs [\d.]+ s, [\d.]+%, (met|MISSED)/m,
        );
        assert.match(
          run.stdout,
          /^target full refresh with 3 deltas ≤ 1\.3x the limit: [\d.]+x, (met|MISSED)$/m,
        );
        const limit = report.results.find((result) => result.name === "limit: COPY + PRIMARY KEY")!;
        assert.equal(limit.rows, 2000);
        // Two rounds each; the rows hold the medians (the upper of two), the text every round.
        const { limitSeconds, etlSeconds } = report.repeats!;
        assert.equal(limitSeconds.length, 2);
        assert.equal(etlSeconds.length, 2);
        assert.equal(limit.seconds, Math.max(...limitSeconds));
        assert.equal(report.etl.seconds, Math.max(...etlSeconds));
        assert.equal(report.results[0]!.seconds, report.etl.seconds);
        assert.match(
          run.stdout,
          /^medians of 2 alternating rounds: this pipeline [\d.]+, [\d.]+ s; limit [\d.]+, [\d.]+ s/m,
        );
        assert.ok(Math.abs(report.ratioToLimit - report.etl.seconds / limit.seconds) < 1e-9);
        // The generated file carries bad rows on purpose; the rest is loaded.
        assert.ok(
          report.etl.rowsLoaded > 1900 && report.etl.rowsLoaded < 2000,
          `${report.etl.rowsLoaded} rows loaded`,
        );
        assert.ok(report.etl.peakRssBytes > 10e6, `peak RSS ${report.etl.peakRssBytes}`);
        assert.equal(report.eda?.s3Runs?.length, 3);
        assert.equal(report.eda?.localRuns?.length, 3);
        // The kernel (a deno process under nbconvert's Python) is the run's largest process.
        assert.ok(report.notebook02!.peakRssBytes > 50e6, `${report.notebook02!.peakRssBytes}`);
        assert.match(report.notebook02!.peakCommand, /deno.* jupyter --kernel/);
        // The export of the run it published: every loaded row, against its COPY TO STDOUT.
        assert.match(
          run.stdout,
          /^target export ≤ 2x COPY anime_list TO STDOUT: [\d.]+ s vs [\d.]+ s, [\d.]+x, (met|MISSED)$/m,
        );
        assert.match(run.stdout, /^target export peak RSS ≤ 250 MB: \d+ MB, (met|MISSED)$/m);
        const exported = report.export!;
        assert.equal(exported.rows, report.etl.rowsLoaded);
        assert.ok(exported.copyBytes > exported.rows * 10, `${exported.copyBytes} COPY bytes`);
        assert.ok(exported.bytes > 0 && exported.files >= 1);
        assert.ok(exported.peakRssBytes > 10e6, `export peak RSS ${exported.peakRssBytes}`);
        assert.ok(Math.abs(exported.ratioToCopy - exported.seconds / exported.copySeconds) < 1e-9);
      });
    } finally {
      await runScript("lib/cli/db_stop.ts", [], { cwd, env }).catch(() => {});
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
);
