// Owns the generator's options: defaults, bounds and their validation.
/** Layout of the generated files: the Kaggle originals, or the capstone's pandas re-save. */
export type DatasetFormat = "modified" | "kaggle";

/** What to generate; only `animelistRows` is required. */
export interface GenerateOptions {
  /** Data rows in animelist.csv. */
  animelistRows: number;
  /** Data rows in anime.csv; default 17_562. */
  animeRows?: number;
  /** default "modified" */
  format?: DatasetFormat;
  /** PRNG seed; default 2020 */
  seed?: number;
  /** write NAME.csv.gz instead of NAME.csv; default false */
  gzip?: boolean;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  animelistRows: number;
  animeRows: number;
  format: DatasetFormat;
  seed: number;
  gzip: boolean;
}

const DEFAULT_ANIME_ROWS = 17_562;
const DEFAULT_SEED = 2020;

/**
 * Largest sizes the generator accepts: 1,000,000 anime (57 times the real anime.csv; about 1.5 GB of
 * memory, which grows with the catalogue) and 1,000,000,000 animelist rows (9 times the real
 * 109 million; about 40 GB of CSV, memory stays flat).
 */
export const DATASET_LIMITS = Object.freeze({ animeRows: 1_000_000, animelistRows: 1_000_000_000 });

export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const resolved = {
    animelistRows: options.animelistRows,
    animeRows: options.animeRows ?? DEFAULT_ANIME_ROWS,
    format: options.format ?? "modified",
    seed: options.seed ?? DEFAULT_SEED,
    gzip: options.gzip ?? false,
  };
  requireInteger("animelistRows", resolved.animelistRows, 0, DATASET_LIMITS.animelistRows);
  requireInteger("animeRows", resolved.animeRows, 1, DATASET_LIMITS.animeRows);
  requireInteger("seed", resolved.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (resolved.format !== "modified" && resolved.format !== "kaggle") {
    throw new RangeError(`format must be "modified" or "kaggle", got ${String(resolved.format)}`);
  }
  return resolved;
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
