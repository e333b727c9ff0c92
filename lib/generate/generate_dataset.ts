// Owns the synthetic "Anime Recommendation Database 2020" files: realistic, seeded, with known dirt.
// This entry point writes the four files; each file's recipe is in a module of its own.
/**
 * @example A small dataset in a temporary folder
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateDataset } from "./generate_dataset.ts";
 * const dir = await Deno.makeTempDir();
 * const dataset = await generateDataset(dir, { animelistRows: 1_000, animeRows: 50 });
 * assert.equal(dataset.files.find((file) => file.name === "animelist.csv")?.rows, 1_000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
import { writeAnime } from "./_anime_file.ts";
import { writeAnimelist } from "./_animelist_file.ts";
import { ACTIVE_POOL_DAYS, type GeneratedDelta, writeDeltas } from "./_delta_files.ts";
import { activeShare, ListState } from "./_list_state.ts";
import { buildCatalogue } from "./_catalogue.ts";
import type { GeneratedFile } from "./_csv_output.ts";
import { type GenerateOptions, resolveOptions } from "./_options.ts";
import { Rng, Stream } from "./_random.ts";
import { writeSynopses } from "./_synopsis_file.ts";
import { writeWatchingStatus } from "./_watching_status_file.ts";

export {
  DATASET_LIMITS,
  type DatasetFormat,
  DEFAULT_FIRST_DAY,
  type GenerateOptions,
  isCalendarDay,
} from "./_options.ts";
export {
  DELTA_FOLDER,
  DELTA_MIX,
  deltaDay,
  type DeltaLedger,
  type GeneratedDelta,
} from "./_delta_files.ts";
export type { GeneratedFile } from "./_csv_output.ts";

/** The files written and the dirt a loader must quarantine. */
export interface GeneratedDataset {
  /** anime.csv, anime_with_synopsis.csv, watching_status.csv, animelist.csv (or .csv.gz). */
  files: GeneratedFile[];
  /** Rows the pipeline must quarantine, by file name (without .gz) then reason code. */
  expectedRejects: Record<string, Record<string, number>>;
  /** The daily deltas in key order, each with the counts the pipeline must report for it. */
  deltas: GeneratedDelta[];
}

/**
 * Writes the four dataset files into `outDir` (created if missing), then the daily deltas under
 * `outDir/animelist_updates/` when asked. Same options give byte-identical files; memory stays flat
 * however many animelist rows are asked for (the deltas keep about 30 days of their rows' pairs).
 */
export async function generateDataset(
  outDir: string,
  options: GenerateOptions,
): Promise<GeneratedDataset> {
  const opts = resolveOptions(options);
  await Deno.mkdir(outDir, { recursive: true });
  const catalogue = buildCatalogue(opts.animeRows, new Rng(opts.seed, Stream.Catalogue));
  const anime = await writeAnime(outDir, opts, catalogue.anime);
  const synopses = await writeSynopses(outDir, opts, catalogue);
  const statuses = await writeWatchingStatus(outDir, opts);
  // Deltas of the same seed and size share their first days however many are asked for: the active
  // share depends on the delta size only.
  const state = opts.deltas > 0
    ? new ListState(
      opts.seed,
      activeShare(opts.animelistRows, opts.deltaRows, ACTIVE_POOL_DAYS),
    )
    : undefined;
  const list = await writeAnimelist(outDir, opts, catalogue, state?.observer());
  const deltas = state ? await writeDeltas(outDir, opts, catalogue, state) : [];
  return {
    files: [anime, synopses.file, statuses, list.file],
    expectedRejects: {
      "anime.csv": {},
      "anime_with_synopsis.csv": { unknown_anime_id: synopses.orphans },
      "watching_status.csv": {},
      "animelist.csv": {
        unknown_watching_status: list.badStatuses,
        unknown_anime_id: list.orphans,
      },
    },
    deltas,
  };
}
