// Measures one bench delta applied by `deno task etl` (an incremental run) to a copy of a published
// bench database, round after round on the same starting state, with the run's WAL and the
// statements the server logged:
//   deno run --allow-all tests/measure/incremental_run.ts [--rows 8000000] [--rounds 3] [--rebuild]
// Uses the bench's cached dataset, S3 store and embedded server (ETL_EMBEDDED_PORT, data in ./.data).
// The published base database (a full refresh of the snapshot alone) is made once and kept;
// --rebuild makes it again (after a change to the star schema). Each round copies it
// (CREATE DATABASE ... STRATEGY FILE_COPY: the pages keep the state the full refresh left them in),
// uploads the first delta and times the process from start to exit.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { createS3Client } from "../../lib/extract/s3_client.ts";
import { createClient } from "../../lib/db/create_client.ts";
import { EMBEDDED_DEFAULTS, startEmbeddedPostgres } from "../../lib/embedded/embedded_postgres.ts";
import { embeddedPort } from "../../lib/targets.ts";
import {
  benchStoreSettings,
  ensureUploaded,
  openBenchDataset,
  runEtlProcess,
  startStoreProcess,
  writeBenchConfig,
} from "../../lib/bench/run_bench.ts";
import { clearDeltas, ensureDeltaFiles } from "../../lib/bench/measure_deltas.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "8000000" },
    rounds: { type: "string", default: "3" },
    rebuild: { type: "boolean", default: false },
    // Statements at least this long are listed in the timeline, in milliseconds.
    "min-ms": { type: "string", default: "15" },
  },
});
const rows = Number(values.rows);
const rounds = Number(values.rounds);
const minMs = Number(values["min-ms"]);
const log = (line: string) => console.error(line);
const { rootDir, datasetDir } = await openBenchDataset(rows, { log });
const server = await startStoreProcess(join(rootDir, `s3-${rows}`));
try {
  const s3 = benchStoreSettings(server.endpoint);
  await ensureUploaded(s3, datasetDir, log);
  await clearDeltas(s3);
  const admin = await startEmbeddedPostgres({
    rootDir: EMBEDDED_DEFAULTS.rootDir,
    port: embeddedPort(),
    database: "postgres",
  });
  const sql = createClient(admin, { applicationName: "anime-measure", max: 1 });
  try {
    const base = `measure_base_${rows}`;
    const [exists] = await sql`select 1 from pg_database where datname = ${base}`;
    if (!exists || values.rebuild) {
      log(`measure:base full refresh of the snapshot into ${base}`);
      await sql`drop database if exists ${sql(base)}`;
      await sql`create database ${sql(base)}`;
      const config = await writeBenchConfig(rootDir, s3, { ...admin, database: base });
      const run = await runEtlProcess(config, false);
      log(`measure:base ${run.seconds.toFixed(1)} s`);
    }
    const [delta] = await ensureDeltaFiles(datasetDir, {
      animelistRows: rows,
      deltaRows: 80_000,
      count: 1,
    }, log);
    const client = createS3Client(s3);
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${s3.prefix}${delta!.name}`,
        Body: await Deno.readFile(delta!.path),
      }),
    );
    client.destroy();
    const serverLog = join(EMBEDDED_DEFAULTS.rootDir, "postgres", "server.log");
    const trial = `measure_trial_${rows}`;
    for (let round = 0; round < rounds; round++) {
      await sql`drop database if exists ${sql(trial)}`;
      await sql.unsafe(`create database ${trial} template ${base} strategy file_copy`);
      await sql.unsafe(`alter database ${trial} set log_min_duration_statement = ${minMs}`);
      const config = await writeBenchConfig(rootDir, s3, { ...admin, database: trial });
      const logFrom = (await Deno.stat(serverLog)).size;
      const [before] = await sql`
        select pg_current_wal_insert_lsn()::text as lsn, wal_fpi::float8 as fpi from pg_stat_wal`;
      const startedAt = Date.now();
      const run = await runEtlProcess(config, false);
      const [after] = await sql`
        select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${
        before!.lsn
      }::pg_lsn)::float8 as bytes,
               wal_fpi::float8 - ${before!.fpi} as fpi from pg_stat_wal`;
      console.log(
        `round ${round + 1}: ${run.seconds.toFixed(2)} s wall, run ${
          run.runSeconds.toFixed(2)
        } s; WAL ${(after!.bytes / 1e6).toFixed(0)} MB, ${after!.fpi} FPIs`,
      );
      console.log(timeline(await readFrom(serverLog, logFrom), startedAt));
    }
    await sql`drop database if exists ${sql(trial)}`;
  } finally {
    await sql.end();
  }
} finally {
  await server.close();
}

async function readFrom(path: string, offset: number): Promise<string> {
  const file = await Deno.open(path);
  await file.seek(offset, Deno.SeekMode.Start);
  // The readable closes the file once read.
  return await new Response(file.readable).text();
}

// The logged statements as "at (end, seconds from process start)  duration  first line".
function timeline(text: string, startedAt: number): string {
  const lines: string[] = [];
  const pattern =
    /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+) \[\d+\] LOG: {2}duration: ([\d.]+) ms {2}(?:statement|execute [^:]*|parse [^:]*|bind [^:]*): ([^\n]*(?:\n(?!\d{4}-)[^\n]*)*)/gm;
  for (const match of text.matchAll(pattern)) {
    const end = (Date.parse(match[1]!.replace(" UTC", "Z").replace(" ", "T")) - startedAt) / 1000;
    const body = match[3]!.split("\n").map((line) => line.trim()).filter((line) =>
      line !== "" && !line.startsWith("--")
    );
    lines.push(
      `  ${end.toFixed(2).padStart(6)}  ${(Number(match[2]) / 1000).toFixed(3)} s  ${
        (body[0] ?? "").slice(0, 90)
      }`,
    );
  }
  return lines.join("\n");
}
