// Owns `deno task bench:serve`: the serving load test; prints its table and writes it as JSON under reports/bench/.
import { resolve } from "node:path";
import {
  failureExitCode,
  failureLine,
  parseCommandLine,
  readIntegerOption,
  usageError,
} from "./_command_line.ts";
import { formatServeReport } from "../bench/format_serve_report.ts";
import { runServeBench } from "../bench/serve_bench.ts";
import { DATASET_LIMITS } from "../generate/generate_dataset.ts";
import { embeddedPort } from "../targets.ts";

const HELP = {
  command: "deno task bench:serve",
  summary: "Loads the bench's data set (generated and cached like deno task bench), starts " +
    "PgBouncer from deploy/pgbouncer/ and runs --clients clients through it for --seconds, a mix " +
    "of one user's list and the three analyst queries, each one statement, while a " +
    "full refresh and then an incremental run (a generated delta) publish. Prints qps, " +
    "p50/p95/p99 and worst latency, errors, answers from a mixed data set, the worst stall " +
    "during each publish and a verdict per target; writes the report under reports/bench/.",
  configuration: [
    "ETL_EMBEDDED_PORT (default 54329): the embedded PostgreSQL it uses, data in ./.data; its " +
    "wal_level follows ETL_EMBEDDED_REPLICAS, as for every command",
    "reads no credentials.cfg: it generates its data and serves it from s3rver",
  ],
  exitCodes: [
    [0, "measured; the report was written (missed targets are printed, not failures)"],
    [1, "a measurement failed"],
    [2, "usage error, or ETL_EMBEDDED_PORT is not a port"],
  ],
} as const;
const REPORTS = `${resolve("reports/bench")}/`;

const OPTIONS = {
  "animelist-rows": {
    type: "string",
    value: "N",
    default: "8000000",
    description: `rows of the generated animelist.csv, 1,000 to ${
      DATASET_LIMITS.animelistRows.toLocaleString("en-US")
    }`,
  },
  "delta-rows": {
    type: "string",
    value: "M",
    default: "80000",
    description: "rows of the delta the incremental run applies during the load",
  },
  clients: { type: "string", value: "N", default: "200", description: "concurrent clients" },
  seconds: {
    type: "string",
    value: "D",
    default: "60",
    description: "seconds of load at least (it lasts until both publishes have landed)",
  },
  rate: {
    type: "string",
    value: "R",
    default: "0",
    description: "answers per second the clients ask together, paced (latency counted from when " +
      "each was due); 0: each client asks again at once (a closed loop, for throughput)",
  },
  priority: {
    type: "string",
    value: "NICE|off",
    default: "",
    description: "ETL_PRIORITY of the pipeline's runs: a nice value 1 to 19, or off to let them " +
      "compete with the readers as equals; default the pipeline's ([ETL] PRIORITY, 10)",
  },
  "cpu-hogs": {
    type: "string",
    value: "N",
    default: "0",
    description: "busy processes at nice 0 kept running during the load: a known competitor for " +
      "the CPU, to compare runs on a shared machine",
  },
  "pgbouncer-port": {
    type: "string",
    value: "PORT",
    default: "6432",
    description: "PgBouncer's port on 127.0.0.1",
  },
  "no-publish": {
    type: "boolean",
    default: false,
    description: "run no publish during the load: the readers alone, the baseline of the stalls",
  },
  transactions: {
    type: "boolean",
    default: false,
    description: "ask each answer in a repeatable-read transaction that starts with LOCK TABLE " +
      "... IN ACCESS SHARE MODE (the earlier way) instead of one statement",
  },
  unlocked: {
    type: "boolean",
    default: false,
    description: "ask each answer in a repeatable-read transaction without the LOCK TABLE, to " +
      "see what such a reader that waited for a publish sees",
  },
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const counts: Record<string, number> = {};
  for (
    const [name, min, max] of [
      ["animelist-rows", 1000, DATASET_LIMITS.animelistRows],
      ["delta-rows", 1, DATASET_LIMITS.deltaRows],
      ["clients", 1, 1000],
      ["seconds", 1, 3600],
      ["rate", 0, 100_000],
      ["pgbouncer-port", 1, 65535],
      ["cpu-hogs", 0, 16],
    ] as const
  ) {
    const read = readIntegerOption(name, values[name], { min, max }, HELP, OPTIONS);
    if ("exitCode" in read) return read.exitCode;
    counts[name] = read.value;
  }
  const priority = values.priority.trim().toLowerCase();
  if (priority !== "" && priority !== "off" && !/^(1[0-9]|[1-9])$/.test(priority)) {
    return usageError(
      `--priority must be a nice value from 1 to 19, or off, got "${values.priority}"`,
      HELP,
      OPTIONS,
    );
  }
  try {
    const report = await runServeBench({
      ...(priority === "" ? {} : { priority }),
      cpuHogs: counts["cpu-hogs"]!,
      animelistRows: counts["animelist-rows"]!,
      deltaRows: counts["delta-rows"]!,
      clients: counts.clients!,
      seconds: counts.seconds!,
      rate: counts.rate!,
      pgbouncerPort: counts["pgbouncer-port"]!,
      port: embeddedPort(),
      answers: values.unlocked
        ? "unlocked transaction"
        : values.transactions
        ? "locked transaction"
        : "statement",
      publish: !values["no-publish"],
    });
    console.log(formatServeReport(report));
    await Deno.mkdir(REPORTS, { recursive: true });
    const json = JSON.stringify(report, null, 2);
    await Deno.writeTextFile(`${REPORTS}serve-${report.animelistRows}.json`, json);
    await Deno.writeTextFile(`${REPORTS}serve-latest.json`, json);
    console.log(`bench:written ${REPORTS}serve-${report.animelistRows}.json`);
    return 0;
  } catch (error) {
    console.error(failureLine("bench:failed", error));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
