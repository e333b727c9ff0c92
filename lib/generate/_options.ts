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
  /** Daily deltas under animelist_updates/, one per day from `firstDay`; default 0. */
  deltas?: number;
  /** Data rows of each delta; default 1% of `animelistRows` (at least 1). */
  deltaRows?: number;
  /** As-of date of the first delta, YYYY-MM-DD; default 2026-12-01. */
  firstDay?: string;
  /** Write the deltas as .csv.gz; default `gzip`. */
  gzipDeltas?: boolean;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  animelistRows: number;
  animeRows: number;
  format: DatasetFormat;
  seed: number;
  gzip: boolean;
  deltas: number;
  deltaRows: number;
  firstDay: string;
  gzipDeltas: boolean;
}

const DEFAULT_ANIME_ROWS = 17_562;
const DEFAULT_SEED = 2020;

/**
 * Largest sizes the generator accepts: 1,000,000 anime (57 times the real anime.csv; about 1.5 GB of
 * memory, which grows with the catalogue) and 1,000,000,000 animelist rows (9 times the real
 * 109 million; about 40 GB of CSV, memory stays flat).
 */
export const DATASET_LIMITS = Object.freeze({
  animeRows: 1_000_000,
  animelistRows: 1_000_000_000,
  /** Ten years of days. */
  deltas: 3_650,
  deltaRows: 100_000_000,
});

/** The first delta's as-of date unless told otherwise: the contract's example key. */
export const DEFAULT_FIRST_DAY = "2026-12-01";

export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const resolved = {
    animelistRows: options.animelistRows,
    animeRows: options.animeRows ?? DEFAULT_ANIME_ROWS,
    format: options.format ?? "modified",
    seed: options.seed ?? DEFAULT_SEED,
    gzip: options.gzip ?? false,
    deltas: options.deltas ?? 0,
    deltaRows: options.deltaRows ?? Math.max(1, Math.round(options.animelistRows / 100)),
    firstDay: options.firstDay ?? DEFAULT_FIRST_DAY,
    gzipDeltas: options.gzipDeltas ?? options.gzip ?? false,
  };
  requireInteger("animelistRows", resolved.animelistRows, 0, DATASET_LIMITS.animelistRows);
  requireInteger("animeRows", resolved.animeRows, 1, DATASET_LIMITS.animeRows);
  requireInteger("seed", resolved.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  requireInteger("deltas", resolved.deltas, 0, DATASET_LIMITS.deltas);
  requireInteger("deltaRows", resolved.deltaRows, 1, DATASET_LIMITS.deltaRows);
  if (!isCalendarDay(resolved.firstDay)) {
    throw new RangeError(`firstDay must be a date YYYY-MM-DD, got ${resolved.firstDay}`);
  }
  if (resolved.format !== "modified" && resolved.format !== "kaggle") {
    throw new RangeError(`format must be "modified" or "kaggle", got ${String(resolved.format)}`);
  }
  return resolved;
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
