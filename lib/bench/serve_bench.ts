// Owns `deno task bench:serve`: many analysts through PgBouncer on the bench's data set while a
// full refresh and an incremental run publish; throughput, latency, errors and stalls per publish.
/**
 * @example A short run on a small data set
 * ```ts ignore
 * import { runServeBench } from "./serve_bench.ts";
 * const report = await runServeBench({ animelistRows: 20_000, clients: 10, seconds: 5 });
 * console.log(report.qps, report.errors);
 * ```
 */
import type { Sql } from "postgres";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createReadStream } from "node:fs";
import type { S3Settings } from "../config/settings.ts";
import { createClient } from "../db/create_client.ts";
import { answerStatement, judgeAnswer, type ServeAnswer, type ServeQuery } from "./serve_answer.ts";
import { EMBEDDED_DEFAULTS, startEmbeddedPostgres } from "../embedded/embedded_postgres.ts";
import { createS3Client } from "../extract/s3_client.ts";
import { grantAnalyst } from "../security/grant_analyst.ts";
import { writePgbouncerConfig } from "../serve/pgbouncer_config.ts";
import { startPgbouncer } from "../serve/pgbouncer_process.ts";
import { clearDeltas, ensureDeltaFiles } from "./measure_deltas.ts";
import {
  benchStoreSettings,
  ensureUploaded,
  freshDatabase,
  openBenchDataset,
  runEtlProcess,
  startStoreProcess,
  writeBenchConfig,
} from "./run_bench.ts";
import { sendToStore } from "./store_requests.ts";

/** Options of {@link runServeBench}. */
export interface ServeBenchOptions {
  /** Rows of animelist.csv; default 8,000,000 (the bench's). */
  animelistRows?: number;
  /** Rows of the delta the incremental run applies; default 80,000 (1% of 8M). */
  deltaRows?: number;
  /** Concurrent clients, each with its own connection to PgBouncer; default 200. */
  clients?: number;
  /** Seconds of load at least; it goes on until both publishes have landed; default 60. */
  seconds?: number;
  /** Port of the embedded PostgreSQL (data under `.data/`); default 54329. */
  port?: number;
  /** PgBouncer's port; default 6432. */
  pgbouncerPort?: number;
  /** Folder of the cached data set, S3 store and PgBouncer files; default `.data/bench`. */
  rootDir?: string;
  /**
   * How each answer is asked (docs/serving.md); default `statement`: one statement, its own
   * snapshot, one round trip. `locked transaction`: a repeatable-read transaction that starts with
   * `LOCK TABLE ... IN ACCESS SHARE MODE` on the published tables (the earlier way, for comparison).
   * `unlocked transaction`: the same without the lock, to show what such a reader can see.
   */
  answers?: ServeAnswerMode;
  /**
   * Answers per second the clients ask together, each client at clients / rate second intervals;
   * default 0: every client asks again as soon as it has its answer (a closed loop, which measures
   * throughput: each answer then waits for about clients / throughput seconds). With a rate, the
   * latency at that load, counted from when each answer was due.
   */
  rate?: number;
  /**
   * Run the full refresh and the incremental run during the load; default true. False measures the
   * readers alone for `seconds`, the baseline the stalls are read against.
   */
  publish?: boolean;
  /**
   * `ETL_PRIORITY` of the pipeline's runs (`off`, or a nice value 1 to 19); default unset: the
   * pipeline's default ([ETL] PRIORITY, lib/db/run_priority.ts). Comparing runs with `off` shows
   * what yielding the CPU to readers buys them, and costs the load.
   */
  priority?: string;
  /**
   * Busy processes (`setsid sh -c 'while :; do :; done'`, nice 0) kept running during the load: a
   * known competitor for the CPU, so runs on a shared machine can be compared under a load they
   * choose.
   * Default 0.
   */
  cpuHogs?: number;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

export type { ServeQuery };

/** How a client asks for an answer: see {@link ServeBenchOptions.answers}. */
export type ServeAnswerMode = "statement" | "locked transaction" | "unlocked transaction";

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  queries: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One publish during the load. */
export interface PublishWindow {
  /** `full refresh` (`deno task etl --force`) or `incremental` (`deno task etl` after a delta). */
  name: string;
  /** What the run record says it did, or `failed: <error>` when the run failed. */
  runKind: string;
  /** False when the run failed (e.g. PostgreSQL chose it as a deadlock's victim). */
  published: boolean;
  /** Seconds from the start of the load. */
  startedAtSeconds: number;
  seconds: number;
  /** Queries that overlapped the run. */
  queries: number;
  /** The worst latency of a query that overlapped the run: how long a reader waited at worst. */
  worstStallMs: number;
  /** Latencies of the queries that overlapped the run. */
  latency: LatencySummary;
  /** The run's `priority:` line: what yielding to readers did, or absent (a failed run). */
  priority?: string;
}

/** One target and whether it was met. */
export interface ServeVerdict {
  target: string;
  measured: string;
  met: boolean;
}

/** Everything one `deno task bench:serve` run measured. */
export interface ServeReport {
  measuredAt: string;
  animelistRows: number;
  deltaRows: number;
  clients: number;
  /** Seconds of load, from the first query to the last. */
  seconds: number;
  postgresVersion: string;
  walLevel: string;
  cores: number;
  /** How each answer was asked. */
  answers: ServeAnswerMode;
  /** Answers per second offered (paced clients), 0 for a closed loop. */
  rate: number;
  /** Pool of deploy/pgbouncer/pgbouncer.ini: server sessions for every client. */
  poolSize: number;
  /** `ETL_PRIORITY` the runs were given (`default`: unset, the pipeline's default). */
  priority: string;
  /** Busy processes kept running during the load (see {@link ServeBenchOptions.cpuHogs}). */
  cpuHogs: number;
  /** /proc/loadavg's 1, 5 and 15 minute load averages when the load started and when it ended. */
  loadAverage: { start: string; end: string };
  qps: number;
  latency: LatencySummary;
  byQuery: (LatencySummary & { query: ServeQuery })[];
  /** Failed queries (PostgreSQL, PgBouncer or connection errors). */
  errors: number;
  /** Up to five distinct error messages. */
  errorSamples: string[];
  /** Answers that did not come from one data set (see {@link runServeBench}). */
  inconsistent: number;
  /** Up to five of them: the query, and the data set its transaction saw. */
  inconsistentSamples: string[];
  publishes: PublishWindow[];
  verdicts: ServeVerdict[];
}

/** Shares of the mix: mostly one user's list, as an app would ask, and the three analyst queries. */
export const QUERY_MIX: readonly [ServeQuery, number][] = [
  ["user_list", 0.7],
  ["anime_by_watching_status", 0.1],
  ["highest_rated_anime", 0.1],
  ["top_genres_by_rating", 0.1],
];

const ANALYST_ROLE = "bench_serve_analyst";
// The dashboard's parameters: watching now, top 10; at least 1,000 votes and ratings.
const PARAMETERS: Record<Exclude<ServeQuery, "user_list">, number[]> = {
  anime_by_watching_status: [1, 10],
  highest_rated_anime: [1000, 10],
  top_genres_by_rating: [1000, 10],
};

/**
 * Loads the bench's data set (generated and cached as `deno task bench` does, published by a real
 * `deno task etl`), makes an analyst role, starts PgBouncer from deploy/pgbouncer/ and runs
 * `clients` clients through it for `seconds`, each in a loop of answers (by default one statement
 * each, {@link ServeBenchOptions.answers}). A full refresh starts after a tenth of the time, and
 * when it has published a generated delta is uploaded and an incremental run applies it.
 *
 * Each answer also reads the data set's identity in the same snapshot (`anime_list_source`: how
 * many source objects it was built from) and is checked against it (lib/bench/serve_answer.ts): an
 * analyst query's answer must equal the first answer seen for that data set, and a user's list may
 * hold no row from a source the data set does not list. A publish that let a reader see part of
 * the new data and part of the old would fail one of them.
 */
export async function runServeBench(options: ServeBenchOptions = {}): Promise<ServeReport> {
  const rows = options.animelistRows ?? 8_000_000;
  const deltaRows = options.deltaRows ?? 80_000;
  const clients = options.clients ?? 200;
  const seconds = options.seconds ?? 60;
  const { log, rootDir, datasetDir } = await openBenchDataset(rows, options);
  const [delta] = await ensureDeltaFiles(
    datasetDir,
    { animelistRows: rows, deltaRows, count: 1 },
    log,
  );
  const store = await startStoreProcess(join(rootDir, `s3-${rows}`));
  try {
    const s3 = benchStoreSettings(store.endpoint);
    await ensureUploaded(s3, datasetDir, log);
    await clearDeltas(s3);
    const admin = await startEmbeddedPostgres({
      rootDir: EMBEDDED_DEFAULTS.rootDir,
      port: options.port ?? EMBEDDED_DEFAULTS.port,
      database: "postgres",
      log,
    });
    const db = await freshDatabase(admin, "anime_serve");
    const config = await writeBenchConfig(rootDir, s3, db);
    // Unset: the pipeline's own default, as analysts would meet it.
    const etlEnv: Record<string, string> = options.priority === undefined
      ? {}
      : { ETL_PRIORITY: options.priority };
    log(`bench:serve-publish deno task etl into ${db.database}`);
    await runEtlProcess(config, true, etlEnv);
    const password = randomText();
    await grantAnalyst(db, { role: ANALYST_ROLE, password });
    const bouncerConfig = await writePgbouncerConfig(db, {
      dir: join(rootDir, "pgbouncer"),
      port: options.pgbouncerPort ?? 6432,
    });
    const poolSize = Number(
      /^max_db_connections = (\d+)$/m.exec(await Deno.readTextFile(bouncerConfig.iniPath))?.[1],
    );
    await using bouncer = await startPgbouncer(bouncerConfig);
    const sql = createClient(db, { applicationName: "anime-bench-serve", max: 2 });
    try {
      const [version] = await sql`show server_version`;
      const [level] = await sql`show wal_level`;
      const [range] = await sql<{ low: number; high: number }[]>`
        select min(user_id)::int as low, max(user_id)::int as high from anime_list`;
      const analysts = createClient(
        { ...db, host: "127.0.0.1", port: bouncer.port, user: ANALYST_ROLE, password },
        {
          applicationName: "anime-bench-serve",
          max: clients,
          prepare: false,
          connectTimeoutSeconds: 30,
        },
      );
      log(`bench:serve-load ${clients} clients through PgBouncer for at least ${seconds} s`);
      await using _hogs = startCpuHogs(options.cpuHogs ?? 0);
      try {
        const answers = options.answers ?? "statement";
        const load = await runLoad({
          analysts,
          answers,
          rate: options.rate ?? 0,
          lock: answers === "locked transaction" ? await lockStatement(sql) : undefined,
          clients,
          seconds,
          users: { low: range!.low, high: range!.high },
          publish: async (mark) => {
            if (options.publish === false) return;
            await sleep(Math.max(1, seconds / 10) * 1000);
            log("bench:serve-refresh deno task etl --force during the load");
            await mark("full refresh", () => runEtlProcess(config, true, etlEnv), sql);
            await uploadDelta(s3, delta!);
            log(`bench:serve-delta deno task etl after ${delta!.name} during the load`);
            await mark("incremental", () => runEtlProcess(config, false, etlEnv), sql);
          },
        });
        const report: ServeReport = {
          measuredAt: new Date().toISOString(),
          animelistRows: rows,
          deltaRows,
          clients,
          seconds: load.seconds,
          postgresVersion: String(version?.server_version ?? "?"),
          walLevel: String(level?.wal_level ?? "?"),
          cores: navigator.hardwareConcurrency,
          answers,
          rate: options.rate ?? 0,
          poolSize,
          priority: options.priority ?? "default",
          cpuHogs: options.cpuHogs ?? 0,
          loadAverage: load.loadAverage,
          qps: load.latencies.length / load.seconds,
          latency: summarise(load.latencies.map((entry) => entry.ms)),
          byQuery: QUERY_MIX.map(([query]) => ({
            query,
            ...summarise(load.latencies.filter((e) => e.query === query).map((e) => e.ms)),
          })),
          errors: load.errors,
          errorSamples: load.errorSamples,
          inconsistent: load.inconsistent,
          inconsistentSamples: load.inconsistentSamples,
          publishes: load.publishes,
          verdicts: [],
        };
        report.verdicts = judgeServeReport(report);
        return report;
      } finally {
        await analysts.end({ timeout: 5 });
      }
    } finally {
      await sql.end({ timeout: 5 });
      await bouncer.close();
    }
  } finally {
    await store.close();
  }
}

/**
 * The issue's targets on the project's 2-core machine, judged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeServeReport } from "./serve_bench.ts";
 * const verdicts = judgeServeReport({
 *   qps: 1200, latency: { queries: 1, p50Ms: 5, p95Ms: 20, p99Ms: 30, maxMs: 400 },
 *   errors: 0, inconsistent: 0,
 *   publishes: [{ name: "full refresh", worstStallMs: 300, published: true }],
 * });
 * assert.ok(verdicts.every((verdict) => verdict.met));
 * ```
 */
export function judgeServeReport(
  report: Pick<ServeReport, "qps" | "latency" | "errors" | "inconsistent"> & {
    publishes: Pick<PublishWindow, "name" | "worstStallMs" | "published">[];
  },
): ServeVerdict[] {
  return [
    {
      target: "≥ 1,000 queries per second",
      measured: `${Math.round(report.qps).toLocaleString("en-US")} per second`,
      met: report.qps >= 1000,
    },
    {
      target: "p95 latency < 50 ms",
      measured: `${report.latency.p95Ms.toFixed(1)} ms`,
      met: report.latency.p95Ms < 50,
    },
    {
      target: "no failed query",
      measured: `${report.errors} failed`,
      met: report.errors === 0,
    },
    {
      target: "every answer from one data set",
      measured: `${report.inconsistent} mixed`,
      met: report.inconsistent === 0,
    },
    ...report.publishes.map((publish) => ({
      target: `the ${publish.name} publishes`,
      measured: publish.published ? "published" : "failed",
      met: publish.published,
    })),
    ...report.publishes.map((publish) => ({
      target: `worst stall during the ${publish.name} < 1 s`,
      measured: `${(publish.worstStallMs / 1000).toFixed(2)} s`,
      met: publish.worstStallMs < 1000,
    })),
  ];
}

/**
 * Percentiles by the nearest-rank method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarise } from "./serve_bench.ts";
 * assert.deepEqual(summarise([1, 2, 3, 4]), { queries: 4, p50Ms: 2, p95Ms: 4, p99Ms: 4, maxMs: 4 });
 * ```
 */
export function summarise(milliseconds: number[]): LatencySummary {
  const sorted = [...milliseconds].sort((a, b) => a - b);
  const rank = (share: number) =>
    sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]!;
  return {
    queries: sorted.length,
    p50Ms: rank(0.5),
    p95Ms: rank(0.95),
    p99Ms: rank(0.99),
    maxMs: sorted.at(-1) ?? 0,
  };
}

interface LoadOptions {
  analysts: Sql;
  answers: ServeAnswerMode;
  /** Answers per second all clients ask together; 0: each asks again as soon as it has one. */
  rate: number;
  /** `LOCK TABLE` statement run first in each transaction, if any. */
  lock: string | undefined;
  clients: number;
  seconds: number;
  users: { low: number; high: number };
  /** Runs the publishes; `mark` times one and records it as a window. */
  publish: (
    mark: (
      name: string,
      run: () => Promise<{ priority?: string | undefined }>,
      sql: Sql,
    ) => Promise<void>,
  ) => Promise<void>;
}

interface Latency {
  query: ServeQuery;
  startMs: number;
  ms: number;
}

async function runLoad(options: LoadOptions) {
  const latencies: Latency[] = [];
  const windows: {
    name: string;
    startMs: number;
    endMs: number;
    runKind: string;
    failed: boolean;
    priority?: string;
  }[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  let inconsistent = 0;
  const mixedSamples: string[] = [];
  const canonical = new Map<string, string>();
  const texts = new Map<ServeQuery, string>();
  for (const [query] of QUERY_MIX) texts.set(query, await answerStatement(query));
  // Every client's connection (a SCRAM login through PgBouncer) is made before the clock starts:
  // an analyst logs in once, then asks many questions; 200 logins at once would time the logins.
  await Promise.all(Array.from({ length: options.clients }, () => options.analysts`select 1`));
  const origin = performance.now();
  const now = () => performance.now() - origin;
  const loadAtStart = await loadAverage();
  let publishing = true;
  const publisher = options.publish(async (name, run, sql) => {
    const startMs = now();
    let priority: string | undefined;
    // A run the readers made fail (e.g. a deadlock with one of them) is measured, not fatal.
    const failure = await run().then(
      (result) => void (priority = result.priority),
      (error: unknown) =>
        /^error (.*)$/m.exec(error instanceof Error ? error.message : String(error))?.[1] ??
          "failed",
    );
    const endMs = now();
    const [last] = await sql<{ kind: string | null; status: string }[]>`
      select to_jsonb(r) ->> 'kind' as kind, status from etl.runs r order by run_id desc limit 1`;
    windows.push({
      name,
      startMs,
      endMs,
      runKind: failure === undefined ? last?.kind ?? last?.status ?? "?" : `failed: ${failure}`,
      failed: failure !== undefined,
      ...(priority === undefined ? {} : { priority }),
    });
  }).finally(() => publishing = false);
  // Paced: each client asks every clients / rate seconds, from a random phase. An answer's latency
  // counts from when it was due, so a client that fell behind counts its wait too.
  const intervalMs = options.rate > 0 ? options.clients / options.rate * 1000 : 0;
  const client = async () => {
    let dueMs = Math.random() * intervalMs;
    while (publishing || now() < options.seconds * 1000) {
      if (intervalMs > 0) {
        const aheadMs = dueMs - now();
        if (aheadMs > 0) await sleep(aheadMs);
      }
      const query = pick();
      const startMs = intervalMs > 0 ? dueMs : now();
      dueMs += intervalMs;
      const parameters = query === "user_list"
        ? [
          options.users.low +
          Math.floor(Math.random() * (options.users.high - options.users.low + 1)),
        ]
        : PARAMETERS[query];
      try {
        let answer: ServeAnswer;
        if (options.answers === "statement") {
          // One statement: one round trip, its own snapshot (lib/bench/serve_answer.ts).
          [answer] = await options.analysts.unsafe<[ServeAnswer]>(texts.get(query)!, parameters);
        } else {
          answer = await options.analysts.begin("isolation level repeatable read", async (tx) => {
            // Sent together (postgres.js pipelines a transaction's queries) and run in order: one
            // round trip, and the lock still comes before the snapshot of the first query.
            const locked = options.lock ? tx.unsafe(options.lock) : Promise.resolve();
            const [, [row]] = await Promise.all([
              locked,
              tx.unsafe<[ServeAnswer]>(texts.get(query)!, parameters),
            ]);
            return row;
          });
        }
        const mixed = judgeAnswer(query, answer, canonical);
        if (mixed !== undefined) {
          inconsistent++;
          if (mixedSamples.length < 5) mixedSamples.push(mixed);
        }
        latencies.push({ query, startMs, ms: now() - startMs });
      } catch (error) {
        errors++;
        if (errorSamples.size < 5) {
          errorSamples.add(error instanceof Error ? error.message : String(error));
        }
      }
    }
  };
  // postgres.js 3.4.9 throws an error PgBouncer sends to an idle connection (query_wait_timeout
  // after 30 s without a free server session) outside any query: counted, not fatal.
  const stray = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    errors++;
    if (errorSamples.size < 5) {
      errorSamples.add(event.reason instanceof Error ? event.reason.message : String(event.reason));
    }
  };
  globalThis.addEventListener("unhandledrejection", stray);
  try {
    await Promise.all([publisher, ...Array.from({ length: options.clients }, client)]);
  } finally {
    globalThis.removeEventListener("unhandledrejection", stray);
  }
  const seconds = now() / 1000;
  const publishes: PublishWindow[] = windows.map((window) => {
    const during = latencies.filter((entry) =>
      entry.startMs <= window.endMs && entry.startMs + entry.ms >= window.startMs
    );
    return {
      name: window.name,
      runKind: window.runKind,
      published: !window.failed,
      startedAtSeconds: window.startMs / 1000,
      seconds: (window.endMs - window.startMs) / 1000,
      queries: during.length,
      // Not Math.max(...): a long run's hundreds of thousands of arguments overflow the stack.
      worstStallMs: during.reduce((worst, entry) => Math.max(worst, entry.ms), 0),
      latency: summarise(during.map((entry) => entry.ms)),
      ...(window.priority === undefined ? {} : { priority: window.priority }),
    };
  });
  return {
    latencies,
    errors,
    errorSamples: [...errorSamples],
    inconsistent,
    inconsistentSamples: mixedSamples,
    publishes,
    seconds,
    loadAverage: { start: loadAtStart, end: await loadAverage() },
  };
}

/** /proc/loadavg's three load averages, e.g. `1.52 0.98 0.77`. */
async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

/**
 * Starts `count` busy shells (setsid execs the shell in place: the pid is the shell's); disposing
 * kills them by pid and waits for them.
 */
function startCpuHogs(count: number): AsyncDisposable {
  const hogs = Array.from(
    { length: count },
    () =>
      // In a session of its own, so in an autogroup of its own (Linux's sched_autogroup): it then
      // competes as another user's program would, not as one of the bench's own processes.
      new Deno.Command("setsid", {
        args: ["sh", "-c", "while :; do :; done"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
  );
  return {
    async [Symbol.asyncDispose]() {
      for (const hog of hogs) hog.kill("SIGKILL");
      await Promise.all(hogs.map((hog) => hog.status));
    },
  };
}

/**
 * `LOCK TABLE` of every published table, by name: the order in which the publish takes its locks
 * (sql/star/lock_published.sql), so a reader and the swap never wait for each other in a cycle.
 * A lock statement takes no snapshot: the transaction's snapshot comes with its first query, after
 * the lock, so it sees the tables it locked as they are.
 */
async function lockStatement(sql: Sql): Promise<string> {
  const tables = (await sql<{ name: string }[]>`
    select tablename as name from pg_tables where schemaname = 'public' order by tablename`)
    .map((row) => row.name);
  return `lock table ${tables.map((name) => `public."${name}"`).join(", ")} in access share mode`;
}

function pick(): ServeQuery {
  let draw = Math.random();
  for (const [query, share] of QUERY_MIX) {
    if ((draw -= share) < 0) return query;
  }
  return QUERY_MIX[0]![0];
}

async function uploadDelta(s3: S3Settings, delta: { name: string; path: string; bytes: number }) {
  const client = createS3Client(s3);
  try {
    await sendToStore(
      client,
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${s3.prefix}${delta.name}`,
        Body: createReadStream(delta.path),
        ContentLength: delta.bytes,
      }),
    );
  } finally {
    client.destroy();
  }
}

function randomText(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
