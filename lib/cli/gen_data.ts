// Command line for the synthetic dataset generator: flags in, files and a timing report out.
import { parseCommandLine, usageError } from "./_command_line.ts";
import {
  DATASET_LIMITS,
  type DatasetFormat,
  DEFAULT_FIRST_DAY,
  generateDataset,
  type GeneratedFile,
  type GenerateOptions,
  isCalendarDay,
} from "../generate/generate_dataset.ts";

const HELP = {
  command: "deno task gen-data",
  summary: 'Writes a deterministic, realistic "Anime Recommendation Database 2020" ' +
    "(anime.csv, anime_with_synopsis.csv, watching_status.csv, animelist.csv) with the real " +
    "files' dirt: same flags, same bytes. With --deltas, also daily deltas under " +
    "animelist_updates/ (YYYY-MM-DD.csv, key order = date order) that update, add and remove " +
    "pairs consistently with the snapshot and the days before, with the same dirt and repeated " +
    "pairs within a day (the last line wins).",
  configuration: [],
  exitCodes: [
    [0, "written"],
    [1, "the files could not be written"],
    [2, "usage error: a flag is unknown, missing or out of its range"],
  ],
} as const;

const OPTIONS = {
  out: {
    type: "string",
    value: "DIR",
    required: true,
    description: "directory to write into, created if missing",
  },
  "animelist-rows": {
    type: "string",
    value: "N",
    required: true,
    description: `data rows in animelist.csv, 0 to ${
      DATASET_LIMITS.animelistRows.toLocaleString("en-US")
    }`,
  },
  "anime-rows": {
    type: "string",
    value: "N",
    default: "17562",
    description: `data rows in anime.csv, 1 to ${DATASET_LIMITS.animeRows.toLocaleString("en-US")}`,
  },
  format: {
    type: "string",
    value: "F",
    default: "modified",
    description: "modified (pandas index column, shuffled) or kaggle",
  },
  seed: { type: "string", value: "S", default: "2020", description: "PRNG seed, any integer" },
  gzip: {
    type: "boolean",
    default: false,
    description: "write NAME.csv.gz instead of NAME.csv (the deltas too)",
  },
  deltas: {
    type: "string",
    value: "N",
    default: "0",
    description: `daily deltas under animelist_updates/, one per day, 0 to ${
      DATASET_LIMITS.deltas.toLocaleString("en-US")
    }`,
  },
  "delta-rows": {
    type: "string",
    value: "M",
    description: "data rows of each delta (about 60% updates, 35% new pairs, 5% removals), " +
      `1 to ${DATASET_LIMITS.deltaRows.toLocaleString("en-US")}; default 1% of --animelist-rows`,
  },
  "first-day": {
    type: "string",
    value: "D",
    default: DEFAULT_FIRST_DAY,
    description: "as-of date of the first delta, YYYY-MM-DD; each next delta is a day later",
  },
  "gzip-deltas": {
    type: "boolean",
    default: false,
    description: "write the deltas as .csv.gz, the snapshot as set by --gzip",
  },
} as const;

/** A flag problem: reported with the usage text and exit code 2. */
class UsageError extends Error {}

/** Parsed command line: where to write and what to generate. */
interface CliArgs {
  out: string;
  options: GenerateOptions;
}

function cliArgs(values: {
  out?: string;
  "animelist-rows"?: string;
  "anime-rows": string;
  format: string;
  seed: string;
  gzip: boolean;
  deltas: string;
  "delta-rows"?: string;
  "first-day": string;
  "gzip-deltas": boolean;
}): CliArgs {
  if (!values.out) throw new UsageError("--out must name a directory");
  if (!isCalendarDay(values["first-day"])) {
    throw new UsageError(`--first-day must be a date YYYY-MM-DD, got "${values["first-day"]}"`);
  }
  const deltaRows = values["delta-rows"] === undefined ? {} : {
    deltaRows: integerFlag("--delta-rows", values["delta-rows"], 1, DATASET_LIMITS.deltaRows),
  };
  return {
    out: values.out,
    options: {
      animelistRows: integerFlag(
        "--animelist-rows",
        values["animelist-rows"] ?? "",
        0,
        DATASET_LIMITS.animelistRows,
      ),
      animeRows: integerFlag("--anime-rows", values["anime-rows"], 1, DATASET_LIMITS.animeRows),
      format: formatFlag(values.format),
      seed: integerFlag("--seed", values.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      gzip: values.gzip,
      deltas: integerFlag("--deltas", values.deltas, 0, DATASET_LIMITS.deltas),
      ...deltaRows,
      firstDay: values["first-day"],
      gzipDeltas: values.gzip || values["gzip-deltas"],
    },
  };
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${flag} must be an integer from ${min.toLocaleString("en-US")} to ${
        max.toLocaleString("en-US")
      }, got "${text}"`,
    );
  }
  return value;
}

function formatFlag(text: string): DatasetFormat {
  if (text !== "modified" && text !== "kaggle") {
    throw new UsageError(`--format must be "modified" or "kaggle", got "${text}"`);
  }
  return text;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Runs the generator for `args`; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  let cli: CliArgs;
  try {
    cli = cliArgs(parsed.values);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageError(`gen-data: ${e.message}`, HELP, OPTIONS);
  }
  const started = performance.now();
  let files;
  let deltas;
  try {
    ({ files, deltas } = await generateDataset(cli.out, cli.options));
  } catch (error) {
    console.error(`gen-data:failed ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const line = (f: GeneratedFile) =>
    `${f.name.padEnd(36)} ${String(f.rows).padStart(10)} rows ${megabytes(f.bytes).padStart(10)}`;
  for (const f of files) console.log(line(f));
  for (const { file, expected: e } of deltas) {
    const held = e.quarantined.unknown_anime_id + e.quarantined.unknown_watching_status;
    console.log(
      `${line(file)}: ${e.updated} updated, ${e.inserted} inserted, ${e.removed} removed, ` +
        `${e.absentRemovals} absent removals, ${e.superseded} superseded, ${held} to quarantine`,
    );
  }
  const written = [...files, ...deltas.map((delta) => delta.file)];
  const total = written.reduce((sum, f) => sum + f.bytes, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${written.length} files, ${megabytes(total)} in ${seconds} s -> ${cli.out}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
