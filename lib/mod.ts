// The library's single entry point for notebooks: run the pipeline, explore the sources, report.
/**
 * @example A notebook's first cell
 * ```ts ignore
 * import { htmlTable, listSourceObjects, openSession, show } from "../lib/mod.ts";
 * const session = await openSession();
 * await show(htmlTable(await listSourceObjects(session.s3, session.targets.s3)));
 * ```
 *
 * @module
 */

// Polars itself, so notebooks need no second import.
export { default as pl } from "nodejs-polars";

// Running the pipeline.
export { runEtl, type RunEtlOptions, type RunSummary } from "./run_etl.ts";
export { openTargets, redactor } from "./targets.ts";
export { formatSummary } from "./run/format_summary.ts";
export { SOURCE_FILES, type SourceFile, type SourceObject } from "./extract/source_objects.ts";

// The cleaning rules the loaders apply, to show them at work.
export {
  isMissing,
  parseCount,
  parseInteger,
  parseRequiredText,
  parseScore,
  parseText,
  splitList,
} from "./transform/values.ts";
export { ANIME_COLUMNS, buildAnimeRow } from "./transform/anime_row.ts";
export { buildSynopsisRow } from "./transform/synopsis_row.ts";
export { buildWatchingStatusRow } from "./transform/watching_status_row.ts";

// Exploring the sources with polars.
export { NotebookSession, openSession, REPO_ROOT } from "./explore/open_session.ts";
export { listSourceObjects } from "./explore/list_source_objects.ts";
export { previewSource } from "./explore/preview_source.ts";
export { DEFAULT_MAX_FRAME_BYTES, readSourceFrame } from "./explore/read_source_frame.ts";
export { readSourceBlocks } from "./explore/read_source_blocks.ts";
export { profileColumns } from "./explore/profile_columns.ts";
export { countValues } from "./explore/count_values.ts";
export { countListItems } from "./explore/count_list_items.ts";
export { countDuplicateRows } from "./explore/count_duplicate_rows.ts";
export { findDuplicateKeys } from "./explore/find_duplicate_keys.ts";
export { findMissingReferences } from "./explore/find_missing_references.ts";
export { listLengths } from "./explore/list_lengths.ts";
export { profileAnimeList } from "./explore/profile_anime_list.ts";
export { sampleValues } from "./explore/sample_values.ts";
export { applyCleaningRule } from "./explore/apply_cleaning_rule.ts";
export { compareAnimeRow } from "./explore/compare_anime_row.ts";
export { numericValues } from "./explore/numeric_values.ts";
export { labelCodes } from "./explore/label_codes.ts";

// Reporting: charts, tables, the data model, queries.
export { show } from "./report/show.ts";
export { type Bar, barChart } from "./report/bar_chart.ts";
export { histogram } from "./report/histogram.ts";
export { htmlTable } from "./report/html_table.ts";
export { prose } from "./report/prose.ts";
export { formatBytes, formatNumber, formatSeconds } from "./report/format.ts";
export { schemaDiagram } from "./report/schema_diagram.ts";
export { dataDictionary } from "./report/data_dictionary.ts";
export { readCatalog } from "./report/read_catalog.ts";
export { readModelCatalog } from "./report/read_model_catalog.ts";
export { runQuery } from "./report/run_query.ts";
export { sqlListing } from "./report/sql_listing.ts";
export { readTableSizes } from "./report/read_table_sizes.ts";
export { notebookProgress } from "./report/notebook_progress.ts";
export { readBenchReport } from "./report/read_bench_report.ts";
export { measureQueryLoad } from "./report/measure_query_load.ts";
