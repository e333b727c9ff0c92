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

// Exports for training: the published run as Parquet, read back and reconciled.
export { exportRun, type ExportSummary } from "./export/export_run.ts";
export { exportAndReconcile } from "./export/export_and_reconcile.ts";
export { describeManifest } from "./export/describe_manifest.ts";
export { type SplitPart, type TimeSplit, timeSplitCounts } from "./export/time_split.ts";
export { formatExportSummary } from "./export/format_export_summary.ts";

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
export {
  DEFAULT_MAX_FRAME_BYTES,
  listSourceObjects,
  previewSource,
  readSourceBlocks,
  readSourceFrame,
} from "./explore/frames.ts";
export {
  checkProfileInBlocks,
  compareProfiles,
  profileAnimeList,
  profileAnimeListObject,
  profileColumns,
  profileFigures,
} from "./explore/profiles.ts";
export {
  countDuplicateRows,
  countListItems,
  countValues,
  findDuplicateKeys,
  listLengths,
  numericValues,
  summariseDuplicates,
} from "./explore/counts.ts";
export { findMissingReferences, labelCodes } from "./explore/references.ts";
export { applyCleaningRule, compareAnimeRow, sampleValues } from "./explore/cleaning.ts";
export { listFindings } from "./explore/findings.ts";

// Reporting: charts, tables, the data model, queries.
export { show } from "./report/display/show.ts";
export { type Bar, barChart } from "./report/display/bar_chart.ts";
export { histogram } from "./report/display/histogram.ts";
export { htmlTable } from "./report/display/html_table.ts";
export { prose } from "./report/display/prose.ts";
export { formatBytes, formatNumber, formatSeconds } from "./report/display/format.ts";
export { schemaDiagram } from "./report/display/schema_diagram.ts";
export { dataDictionary } from "./report/display/data_dictionary.ts";
export { sqlListing } from "./report/display/sql_listing.ts";
export { notebookProgress } from "./report/display/notebook_progress.ts";
export { readCatalog } from "./report/catalog/read_catalog.ts";
export { readModelCatalog } from "./report/catalog/read_model_catalog.ts";
export { readTableSizes } from "./report/catalog/read_table_sizes.ts";
export { runQuery } from "./report/queries/run_query.ts";
export { addNextDay, type NextDay } from "./report/day/next_day.ts";
export { measureQueryLoad } from "./report/queries/measure_query_load.ts";
export { readBenchReport } from "./report/bench/read_bench_report.ts";
export { readServeReport, serveTables } from "./report/bench/read_serve_report.ts";
export {
  chooseBasis,
  concurrencyNeed,
  latestStart,
  loadTestClients,
  projectGrowth,
} from "./report/capacity/scenarios.ts";
