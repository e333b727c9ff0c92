// Command line for the synthetic dataset generator: flags in, files and a timing report out.
import { parseArgs } from "node:util";
import { type DatasetFormat, generateDataset, type GenerateOptions } from "../generate/dataset.ts";

const USAGE = `usage: deno task gen-data --out DIR --animelist-rows N [--format modified|kaggle]
                      [--seed S] [--anime-rows N] [--gzip]

  --out DIR            directory to write into (created if missing)
  --animelist-rows N   data rows in animelist.csv (integer >= 0)
  --anime-rows N       data rows in anime.csv (integer >= 1; default 17562)
  --format F           modified (pandas index column, shuffled; default) or kaggle
  --seed S             PRNG seed (integer; default 2020): same flags, same bytes
  --gzip               write NAME.csv.gz instead of NAME.csv`;

/** A flag problem: reported with the usage text and exit code 2. */
class UsageError extends Error {}

/** Parsed command line: where to write and what to generate. */
export interface CliArgs {
  out: string;
  options: GenerateOptions;
}

/** Parses and validates the flags; throws {@link UsageError} naming the offending flag. */
export function parseCliArgs(args: string[]): CliArgs {
  const { values } = parseFlags(args);
  if (values.out === undefined || values.out === "") throw new UsageError("--out is required");
  if (values["animelist-rows"] === undefined) {
    throw new UsageError("--animelist-rows is required");
  }
  const options: GenerateOptions = {
    animelistRows: integerFlag("--animelist-rows", values["animelist-rows"], 0),
    format: formatFlag(values.format ?? "modified"),
    gzip: values.gzip ?? false,
  };
  if (values["anime-rows"] !== undefined) {
    options.animeRows = integerFlag("--anime-rows", values["anime-rows"], 1);
  }
  if (values.seed !== undefined) {
    options.seed = integerFlag("--seed", values.seed, Number.MIN_SAFE_INTEGER);
  }
  return { out: values.out, options };
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: "string" },
        "animelist-rows": { type: "string" },
        "anime-rows": { type: "string" },
        format: { type: "string" },
        seed: { type: "string" },
        gzip: { type: "boolean" },
      },
    });
  } catch (e) {
    // parseArgs' own messages already name the flag (unknown option, missing value, ...).
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function integerFlag(flag: string, text: string, min: number): number {
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} must be an integer >= ${min}, got "${text}"`);
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
  let cli: CliArgs;
  try {
    cli = parseCliArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`gen-data: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const { files } = await generateDataset(cli.out, cli.options);
  for (const f of files) {
    console.log(
      `${f.name.padEnd(28)} ${String(f.rows).padStart(10)} rows ${megabytes(f.bytes).padStart(10)}`,
    );
  }
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${files.length} files, ${megabytes(total)} in ${seconds} s -> ${cli.out}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
