// Owns one export of the published run: refuse another run, skip one already there, else read it
// through one snapshot into a staging folder, write the manifest, publish it whole, record it.
/**
 * @example Export the published run into ./exports
 * ```ts ignore
 * import { exportRun } from "./export_run.ts";
 * const summary = await exportRun({ db, target: { kind: "directory", path: "exports" } });
 * console.log(summary.status, summary.location);
 * ```
 */
import type pl from "nodejs-polars";
import type { Sql } from "postgres";
import type { DbSettings, S3Settings } from "../config/settings.ts";
import { describeExportTarget, type ExportTarget } from "../config/export_target.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { isLostConnection } from "../db/is_lost_connection.ts";
import { migrate, pendingMigrations } from "../db/migrate.ts";
import { sqlText } from "../db/sql_files.ts";
import { createProgress, type Progress } from "../runtime/progress.ts";
import { connectDatabase } from "../db/connect_database.ts";
import { readAnimeFeatures } from "./anime_features.ts";
import { CopyOutTap } from "./copy_out_tap.ts";
import { type ExportStore, openExportStore } from "./export_store.ts";
import { exportInteractions, type ScanProgress } from "./export_interactions.ts";
import type { ExportColumn } from "./interaction_columns.ts";
import type { PartFile } from "./interaction_parts.ts";
import {
  type Manifest,
  MANIFEST_FORMAT,
  type ManifestFile,
  type ManifestSource,
  manifestText,
  parseManifest,
} from "./manifest.ts";
import { pipelineVersion } from "./pipeline_version.ts";
import { type PublishedRun, readInSnapshot, withPublishedSnapshot } from "./published_snapshot.ts";
import {
  type ExportStatus,
  type ExportTrigger,
  finishExport,
  startExport,
} from "./record_export.ts";
import { releaseNativeMemory } from "../runtime/release_native_memory.ts";
import { verifyExport } from "./verify_export.ts";
import {
  hashFile,
  PARQUET_OPTIONS,
  writeParquetFile,
  type WrittenFile,
} from "./write_parquet_file.ts";

/** Options of {@link exportRun}. */
export interface ExportRunOptions {
  /** The pipeline's database. */
  db: DbSettings;
  /** Where the export goes; run N lands in `run=N/` below it. */
  target: ExportTarget;
  /** Endpoint, region and credentials for an `s3://` target (the [S3] settings). */
  s3?: S3Settings;
  /** Refuse unless run N is the published run (`--run N`); default: the published run. */
  runId?: number;
  /** Recorded in etl.exports.trigger; default `manual`. */
  trigger?: ExportTrigger;
  /** The run after which [EXPORT] TARGET exports; recorded in etl.exports.after_run_id. */
  afterRunId?: number;
  /**
   * Skip, without a new etl.exports row, when etl.exports already records a complete export of
   * the published run at the target (after a skipped run); default false.
   */
  skipIfRecorded?: boolean;
  /** Progress lines (`export:...`); default quiet. */
  progress?: Progress;
  /** Stops the export: nothing is published at the target, the export is recorded as failed. */
  signal?: AbortSignal;
  /**
   * The interactions' layout (see `exportInteractions`): rows per COPY transaction (default
   * 1,048,576), sessions that COPY at once (default 2, at most 2: the pool has 3 connections),
   * rows per user range sorted in memory (default 262,144), per row group (default 262,144) and
   * row groups per file (default 4). Smaller values exercise the cuts on small data sets.
   */
  layout?: {
    chunkRows?: number;
    connections?: number;
    rangeRows?: number;
    rowsPerGroup?: number;
    groupsPerFile?: number;
  };
  /** The interactions' columns; default `INTERACTION_COLUMNS` (where new columns are added). */
  columns?: readonly ExportColumn[];
  /**
   * Where the interactions are spilled while they are sorted (a folder of their own inside it,
   * always removed); default the system's temporary folder (`TMPDIR`).
   */
  tempDir?: string;
}

/** What an export did. */
export interface ExportSummary {
  status: ExportStatus;
  /** Its row in etl.exports; absent when it was skipped as already recorded. */
  exportId?: number;
  runId: number;
  /** `DIR/run=N` or `s3://BUCKET/PREFIX/run=N`. */
  location: string;
  files: number;
  interactionRows: number;
  animeRows: number;
  /** Bytes of the Parquet files and the manifest. */
  bytes: number;
  seconds: number;
  /** Why it was skipped, in words. */
  note?: string;
  error?: { code: string; message: string };
}

/**
 * Exports the published run as Parquet with its manifest. The files are byte-identical for the
 * same run and pipeline version; an existing complete export of the run at the target is never
 * changed (the export is skipped when its manifest matches the run, refused when it does not).
 *
 * @returns The summary; `status: "failed"` carries the error, recorded in etl.exports. A failed
 *   export leaves nothing new at the target and the published data as it was.
 * @throws {PipelineError} Before an export is recorded: `DB_UNREACHABLE`, `CONFIG_MISSING` (an
 *   `s3://` target without S3 settings), `EXPORT_NOT_PUBLISHED` (no run published, or `runId` is
 *   not the published run, naming the published one).
 */
export async function exportRun(options: ExportRunOptions): Promise<ExportSummary> {
  const started = performance.now();
  const progress = options.progress ?? createProgress({ mode: "quiet" });
  const store = await openExportStore(options.target, options.s3);
  let sql: Sql | undefined;
  try {
    // One for the snapshot's transaction, two for the interactions' COPYs at once.
    // Its sockets are tapped: the interactions' COPY rows are read off them (see CopyOutTap).
    const copyOutTap = new CopyOutTap();
    sql = await connectDatabase(options.db, "anime-export", {
      migrate: false,
      connections: 3,
      socket: copyOutTap.socket(options.db),
    });
    copyOutTap.attach(sql);
    // A database no run has touched gets no schema etl from a refused export.
    const state = await pendingMigrations(sql);
    if (!state.bookkept) throw nothingPublished(options.runId);
    if (state.pending.length > 0) await migrate(sql);
    return await exportWith(sql, store, options, progress, started);
  } finally {
    store.close();
    await sql?.end({ timeout: 5 });
  }
}

async function exportWith(
  sql: Sql,
  store: ExportStore,
  options: ExportRunOptions,
  progress: Progress,
  started: number,
): Promise<ExportSummary> {
  let exportId: number | undefined;
  let runId = 0;
  let staging: string | undefined;
  let written: Written | undefined;
  let skipped: ExportSummary | undefined;
  const summarise = (status: ExportStatus, extra: Partial<ExportSummary> = {}): ExportSummary => ({
    status,
    ...(exportId !== undefined ? { exportId } : {}),
    runId,
    location: store.location(runId),
    files: 0,
    interactionRows: 0,
    animeRows: 0,
    bytes: 0,
    seconds: (performance.now() - started) / 1000,
    ...extra,
  });
  try {
    await withPublishedSnapshot(sql, async (published, lost) => {
      runId = await checkRequestedRun(sql, published, options.runId);
      const location = store.location(runId);
      if (options.skipIfRecorded) {
        const [recorded] = await sql.unsafe<{ export_id: number }[]>(
          await sqlText("export/last_export"),
          [runId, location],
        );
        if (recorded) {
          skipped = summarise("skipped", {
            note: `export ${recorded.export_id} already wrote run ${runId} to ${location}`,
          });
          return;
        }
      }
      exportId = await startExport(sql, {
        runId,
        ...(options.afterRunId !== undefined ? { afterRunId: options.afterRunId } : {}),
        trigger: options.trigger ?? "manual",
        location,
      });
      progress.event(`export:start run ${runId} to ${location}`);
      const sources = await readSources(sql, runId);
      const existing = await store.readManifest(runId);
      if (existing !== undefined) {
        skipped = await compareExisting(sql, store, runId, existing, sources);
        return;
      }
      staging = await store.stagingFolder(runId);
      written = await writeFiles(sql, published!, staging, sources, progress, {
        ...options,
        signal: options.signal ? AbortSignal.any([options.signal, lost]) : lost,
      });
    });
    if (skipped) {
      if (exportId !== undefined) await finishExport(sql, exportId, { status: "skipped" });
      progress.event(`export:skipped run ${runId}: ${skipped.note}`);
      return { ...skipped, ...(exportId !== undefined ? { exportId } : {}) };
    }
    const { manifest, files } = await manifestFor(runId, written!, options.target);
    const text = manifestText(manifest);
    await Deno.writeTextFile(`${staging}/manifest.json`, text);
    const { sha256: manifestSha256 } = hashFile(`${staging}/manifest.json`);
    const bytes = files.reduce((sum, file) => sum + file.sizeBytes, 0) +
      new TextEncoder().encode(text).length;
    options.signal?.throwIfAborted();
    await store.publish(runId, staging!, [...files.map((file) => file.path), "manifest.json"]);
    staging = undefined;
    const outcome = {
      files: files.length,
      interactionRows: manifest.tables.interactions.rows,
      animeRows: manifest.tables.anime.rows,
      bytes,
    };
    await finishExport(sql, exportId!, { status: "succeeded", ...outcome, manifestSha256 });
    const summary = summarise("succeeded", outcome);
    progress.event(
      `export:written run ${runId} to ${summary.location}: ${outcome.files} files, ` +
        `${count(outcome.interactionRows)} interactions, ${count(outcome.animeRows)} anime, ` +
        `${(bytes / 1e6).toFixed(1)} MB in ${summary.seconds.toFixed(1)} s`,
    );
    return summary;
  } catch (caught) {
    if (staging !== undefined) await store.discard(staging);
    const error = normalise(caught, runId, store, options.signal);
    if (exportId === undefined) throw error;
    const code = error instanceof PipelineError ? error.code : "EXPORT_FAILED";
    const message = errorMessage(error);
    await finishExport(sql, exportId, { status: "failed", error: `${code}: ${message}` })
      .catch(() => {});
    return summarise("failed", { error: { code, message } });
  }
}

// The run to export: the published one, which `requested` must be when given.
async function checkRequestedRun(
  sql: Sql,
  published: PublishedRun | undefined,
  requested: number | undefined,
): Promise<number> {
  if (published !== undefined && (requested === undefined || requested === published.runId)) {
    return published.runId;
  }
  const refuse = (message: string) =>
    new PipelineError("EXPORT_NOT_PUBLISHED", message, { stage: "export" });
  if (published === undefined) throw nothingPublished(requested);
  const [run] = await sql.unsafe<{ status: string }[]>(await sqlText("export/run_status"), [
    requested ?? null,
  ]);
  const why = !run
    ? "there is no such run"
    : run.status === "succeeded"
    ? "a later run replaced its data"
    : run.status === "running"
    ? "it is still running"
    : `it ${run.status === "skipped" ? "was skipped" : run.status}, so it published nothing`;
  throw refuse(
    `Cannot export run ${requested}: it is not the published run (${why}); the published run is ` +
      `${published.runId}: deno task export --run ${published.runId}`,
  );
}

function nothingPublished(requested: number | undefined): PipelineError {
  return new PipelineError(
    "EXPORT_NOT_PUBLISHED",
    `Cannot export${requested === undefined ? "" : ` run ${requested}`}: no run has published ` +
      `data yet; run deno task etl first`,
    { stage: "export" },
  );
}

async function readSources(sql: Sql, runId: number): Promise<ManifestSource[]> {
  const rows = await sql.unsafe<
    {
      source_file: string;
      bucket: string;
      source_key: string;
      etag: string;
      size_bytes: number;
      last_modified: Date | null;
      rows_loaded: number | null;
    }[]
  >(await sqlText("export/run_sources"), [runId]);
  return rows.map((row) => ({
    file: row.source_file,
    bucket: row.bucket,
    key: row.source_key,
    etag: row.etag,
    size_bytes: row.size_bytes,
    last_modified: row.last_modified?.toISOString() ?? null,
    rows_loaded: row.rows_loaded,
  }));
}

// An export already at the target is immutable: skipped when its manifest is this run's (same
// sources, same row counts) and every file it lists is there with its size; refused otherwise.
async function compareExisting(
  sql: Sql,
  store: ExportStore,
  runId: number,
  text: string,
  sources: ManifestSource[],
): Promise<ExportSummary> {
  const location = store.location(runId);
  const manifest = parseManifest(text, location);
  const problems: string[] = [];
  const identity = (list: ManifestSource[]) =>
    JSON.stringify(list.map((source) => [source.key, source.etag]));
  if (identity(manifest.source_objects) !== identity(sources)) {
    problems.push(`its source objects or ETags differ from those run ${runId} read`);
  }
  const report = await verifyExport(store, runId, { sql, hashes: false });
  problems.push(...report.problems);
  if (problems.length > 0) {
    throw new PipelineError(
      "EXPORT_MISMATCH",
      `Cannot export run ${runId} to ${location}: an export is already there and does not match ` +
        `(${problems.join("; ")}); exports are immutable: move it away to export again`,
      { stage: "export" },
    );
  }
  return {
    status: "skipped",
    runId,
    location,
    files: manifest.files.length,
    interactionRows: manifest.tables.interactions.rows,
    animeRows: manifest.tables.anime.rows,
    bytes: manifest.files.reduce((sum, file) => sum + file.size_bytes, 0) +
      new TextEncoder().encode(text).length,
    seconds: 0,
    note: `${location} already holds it and its manifest matches (deno task export --verify ` +
      `${location} checks every hash)`,
  };
}

interface Written {
  publishedAt: string;
  sources: ManifestSource[];
  interactions: PartFile[];
  anime: WrittenFile;
}

async function writeFiles(
  sql: Sql,
  published: PublishedRun,
  staging: string,
  sources: ManifestSource[],
  progress: Progress,
  { signal, layout, columns, tempDir }: ExportRunOptions,
): Promise<Written> {
  // The anime features are read once the interactions' scan has ended, while its ranges are sorted
  // and written: read beside the COPYs, their frames and the COPYs' buffers peaked together 45 MB
  // higher (283 MB against 237 MB at 8M rows); read first, their 0.4 s were added to the export's.
  let features: Promise<pl.DataFrame> | undefined;
  const readFeatures = () => readInSnapshot(sql, published, (tx) => readAnimeFeatures(tx));
  const report = scanReporter(progress);
  const expected = sources.find((source) => source.file === "animelist.csv")?.rows_loaded;
  let interactions: PartFile[];
  let anime: WrittenFile | undefined;
  // Written while the Worker writes the last interactions file: after it, 0.07 s were added to the
  // 8M-row export.
  const writeAnime = async () => {
    const frame = await (features ?? readFeatures());
    anime = writeParquetFile(frame, staging, "anime/part-00000.parquet");
    releaseNativeMemory();
  };
  try {
    interactions = await exportInteractions(sql, published, {
      root: staging,
      ...layout,
      ...(columns ? { columns } : {}),
      ...(signal ? { signal } : {}),
      ...(tempDir ? { tempDir } : {}),
      whileWritingLastFile: writeAnime,
      onScan: (scan) => {
        report(scan);
        if (!scan.done) return;
        features = readFeatures();
        // Handled here too: it may fail while the interactions are still being written.
        features.catch(() => {});
      },
      onFile: (file, rowsSoFar) =>
        progress.event(
          `export:file ${file.path} ${count(file.rows)} rows, ${
            (file.sizeBytes / 1e6).toFixed(1)
          } MB` +
            (expected ? ` (${count(rowsSoFar)} of ${count(expected)} rows)` : ""),
        ),
    });
  } catch (error) {
    // Its transaction ends before the snapshot's does, and its failure is the interactions'.
    await features?.catch(() => {});
    throw error;
  }
  if (anime === undefined) await writeAnime();
  return { publishedAt: published.publishedAt.toISOString(), sources, interactions, anime: anime! };
}

async function manifestFor(
  runId: number,
  written: Written,
  target: ExportTarget,
): Promise<{ manifest: Manifest; files: WrittenFile[] }> {
  const version = await pipelineVersion();
  const entry = (file: WrittenFile, table: ManifestFile["table"]): ManifestFile => ({
    path: file.path,
    table,
    rows: file.rows,
    size_bytes: file.sizeBytes,
    sha256: file.sha256,
    schema: file.schema,
  });
  const interactions = written.interactions.map((file) => ({
    ...entry(file, "interactions"),
    first_user_id: file.firstUserId,
    last_user_id: file.lastUserId,
  }));
  const anime = entry(written.anime, "anime");
  const sum = (files: WrittenFile[]) => files.reduce((total, file) => total + file.rows, 0);
  const flag = target.kind === "s3" ? "--to" : "--out";
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    run_id: runId,
    published_at: written.publishedAt,
    source_objects: written.sources,
    tables: {
      interactions: {
        rows: sum(written.interactions),
        files: interactions.map((file) => file.path),
        sorted_by: ["user_id", "anime_id"],
      },
      anime: { rows: written.anime.rows, files: [anime.path], sorted_by: ["mal_id"] },
    },
    files: [...interactions, anime],
    pipeline: {
      version: version.version,
      nodejs_polars: version.nodejsPolars,
      parquet: {
        compression: PARQUET_OPTIONS.compression,
        compression_level: PARQUET_OPTIONS.compressionLevel,
        row_group_rows: PARQUET_OPTIONS.rowGroupSize,
        statistics: PARQUET_OPTIONS.statistics,
      },
    },
    command: `deno task export --run ${runId} ${flag} ${shellWord(describeExportTarget(target))}`,
  };
  return { manifest, files: [...written.interactions, written.anime] };
}

function normalise(
  error: unknown,
  runId: number,
  store: ExportStore,
  signal: AbortSignal | undefined,
): unknown {
  const location = store.location(runId);
  if (signal?.aborted) {
    const reason = typeof signal.reason === "string" ? signal.reason : "stopped";
    return new PipelineError(
      "INTERRUPTED",
      `Cannot finish the export of run ${runId}: ${reason}; nothing was written to ${location}`,
      { stage: "runtime" },
    );
  }
  if (isLostConnection(error)) {
    return new PipelineError(
      "DB_UNREACHABLE",
      `Cannot finish the export of run ${runId}: lost the connection to PostgreSQL ` +
        `(${errorMessage(error)}); nothing was written to ${location}`,
      { stage: "export", cause: error },
    );
  }
  return error;
}

// Scan progress lines (`export:scan`), every few seconds and once when the scan ends: nothing else
// is printed between export:start and the first export:file, which is over a minute at 32M rows.
function scanReporter(progress: Progress, intervalMs = 5_000): (scan: ScanProgress) => void {
  const started = performance.now();
  let shown = started;
  return ({ rowsRead, estimatedRows, done }) => {
    const now = performance.now();
    if (!done && now - shown < intervalMs) return;
    shown = now;
    const percent = Math.round((100 * rowsRead) / estimatedRows);
    progress.event(
      `export:scan ${count(rowsRead)} rows read of about ${count(estimatedRows)} (${percent}%)` +
        ` in ${((now - started) / 1000).toFixed(1)} s${done ? ", sorting and writing" : ""}`,
    );
  };
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

function shellWord(text: string): string {
  return /^[\w./:=@+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
