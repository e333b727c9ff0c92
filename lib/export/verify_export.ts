// Owns checking a stored export: every file's size, SHA-256, rows and schema against manifest.json,
// and the manifest's run, sources and row counts against the run log and the published tables.
/**
 * @example Verify run 12's export in a folder
 * ```ts ignore
 * import { verifyExport } from "./verify_export.ts";
 * const report = await verifyExport(store, 12, { sql });
 * console.log(report.problems.length === 0 ? "ok" : report.problems.join("\n"));
 * ```
 */
import pl from "nodejs-polars";
import type { Sql } from "postgres";
import { errorMessage } from "../errors.ts";
import { sqlText } from "../db/sql_files.ts";
import type { ExportStore } from "./export_store.ts";
import { type Manifest, type ManifestFile, parseManifest } from "./manifest.ts";
import { frameSchema, hashFile } from "./write_parquet_file.ts";

/** What was checked of one file. */
export interface VerifiedFile {
  path: string;
  rows: number;
  sizeBytes: number;
  /** False when a check of this file failed (see the report's problems). */
  ok: boolean;
}

/** The outcome of {@link verifyExport}. */
export interface VerifyReport {
  location: string;
  /** Undefined when there is no readable manifest. */
  manifest?: Manifest;
  files: VerifiedFile[];
  /** The published run now, when the database was asked. */
  publishedRunId?: number | null;
  /** Each failed check in a sentence naming the file or the figure; empty when all passed. */
  problems: string[];
}

/** Options of {@link verifyExport}. */
export interface VerifyOptions {
  /** The pipeline's database, to check the run log and (for the published run) the tables. */
  sql?: Sql;
  /** Hash every file (default true); false checks names and sizes only (the export's skip test). */
  hashes?: boolean;
}

/**
 * Verifies run N's export at a store.
 *
 * @returns The report; its `problems` name every file or figure that does not match.
 * @throws {PipelineError} `EXPORT_TARGET` when the store cannot be read.
 */
export async function verifyExport(
  store: ExportStore,
  runId: number,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const location = store.location(runId);
  const report: VerifyReport = { location, files: [], problems: [] };
  const text = await store.readManifest(runId);
  if (text === undefined) {
    report.problems.push(`${location}/manifest.json is missing: this is not a complete export`);
    return report;
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(text, location);
  } catch (error) {
    report.problems.push(errorMessage(error));
    return report;
  }
  report.manifest = manifest;
  if (manifest.run_id !== runId) {
    report.problems.push(
      `${location}/manifest.json is the manifest of run ${manifest.run_id}, not of run ${runId}`,
    );
  }
  const stored = new Map((await store.listFiles(runId)).map((file) => [file.path, file.sizeBytes]));
  for (const path of stored.keys()) {
    if (path !== "manifest.json" && !manifest.files.some((file) => file.path === path)) {
      report.problems.push(`${location}/${path} is not in the manifest`);
    }
  }
  for (const file of manifest.files) {
    report.files.push(
      await verifyFile(store, runId, file, stored.get(file.path), {
        hashes: options.hashes ?? true,
        problems: report.problems,
      }),
    );
  }
  checkTables(manifest, location, report.problems);
  if (options.sql) await checkDatabase(options.sql, manifest, location, report);
  return report;
}

async function verifyFile(
  store: ExportStore,
  runId: number,
  file: ManifestFile,
  storedSize: number | undefined,
  { hashes, problems }: { hashes: boolean; problems: string[] },
): Promise<VerifiedFile> {
  const where = `${store.location(runId)}/${file.path}`;
  const result = { path: file.path, rows: file.rows, sizeBytes: file.size_bytes, ok: false };
  if (storedSize === undefined) {
    problems.push(`${where} is missing`);
    return result;
  }
  if (storedSize !== file.size_bytes) {
    problems.push(`${where} has ${storedSize} bytes, the manifest says ${file.size_bytes}`);
    return result;
  }
  if (!hashes) return { ...result, ok: true };
  const local = await store.localFile(runId, file.path);
  try {
    const { sha256 } = hashFile(local.path);
    if (sha256 !== file.sha256) {
      problems.push(`${where} has SHA-256 ${sha256}, the manifest says ${file.sha256}`);
      return result;
    }
    let rows: number;
    let schema;
    try {
      rows = Number(
        pl.scanParquet(local.path).select(pl.len()).collectSync().getColumn("len").get(0),
      );
      schema = frameSchema(pl.scanParquet(local.path).head(0).collectSync());
    } catch (error) {
      problems.push(`${where} cannot be read as Parquet: ${errorMessage(error)}`);
      return result;
    }
    if (rows !== file.rows) {
      problems.push(`${where} holds ${rows} rows, the manifest says ${file.rows}`);
      return result;
    }
    if (JSON.stringify(schema) !== JSON.stringify(file.schema)) {
      problems.push(
        `${where} has columns ${describe(schema)}, the manifest says ${describe(file.schema)}`,
      );
      return result;
    }
    return { ...result, ok: true };
  } finally {
    await local.release();
  }
}

function checkTables(manifest: Manifest, location: string, problems: string[]) {
  for (const [name, table] of Object.entries(manifest.tables)) {
    const files = manifest.files.filter((file) => file.table === name);
    const rows = files.reduce((sum, file) => sum + file.rows, 0);
    if (rows !== table.rows) {
      problems.push(
        `${location}: the ${name} files hold ${rows} rows, the manifest's table says ${table.rows}`,
      );
    }
    if (JSON.stringify(files.map((file) => file.path)) !== JSON.stringify(table.files)) {
      problems.push(`${location}: the manifest's ${name} file list differs from its files`);
    }
  }
}

async function checkDatabase(sql: Sql, manifest: Manifest, location: string, report: VerifyReport) {
  const runId = manifest.run_id;
  const [run] = await sql.unsafe<{ status: string }[]>(await sqlText("export/run_status"), [runId]);
  if (!run) {
    report.problems.push(`${location}: run ${runId} is not in this database's etl.runs`);
    return;
  }
  if (run.status !== "succeeded") {
    report.problems.push(`${location}: run ${runId} is ${run.status} in etl.runs, not succeeded`);
  }
  const sources = await sql.unsafe<
    { source_file: string; source_key: string; etag: string; rows_loaded: number | null }[]
  >(await sqlText("export/run_sources"), [runId]);
  const recorded = new Map(sources.map((source) => [source.source_key, source.etag]));
  for (const source of manifest.source_objects) {
    const etag = recorded.get(source.key);
    if (etag !== source.etag) {
      report.problems.push(
        `${location}: source ${source.key} has ETag ${source.etag} in the manifest but ` +
          `${etag ?? "is not recorded"} for run ${runId} in etl.run_files`,
      );
    }
  }
  const loaded = (file: string) => sources.find((source) => source.source_file === file);
  const expectations = [
    ["interactions", "animelist.csv"],
    ["anime", "anime.csv"],
  ] as const;
  for (const [table, file] of expectations) {
    const rows = loaded(file)?.rows_loaded;
    if (rows !== undefined && rows !== null && rows !== manifest.tables[table].rows) {
      report.problems.push(
        `${location}: ${manifest.tables[table].rows} ${table} rows, but run ${runId} loaded ` +
          `${rows} rows of ${file} (etl.run_files)`,
      );
    }
  }
  const [published] = await sql.unsafe<{ run_id: string | null }[]>(
    await sqlText("runs/last_published_run"),
  );
  report.publishedRunId = published?.run_id ? Number(published.run_id) : null;
  if (report.publishedRunId !== runId) return;
  const [counts] = await sql.unsafe<{ interactions: number; anime: number }[]>(
    await sqlText("export/published_counts"),
  );
  for (const table of ["interactions", "anime"] as const) {
    if (counts![table] !== manifest.tables[table].rows) {
      report.problems.push(
        `${location}: ${manifest.tables[table].rows} ${table} rows, but the published tables ` +
          `hold ${counts![table]}`,
      );
    }
  }
}

function describe(schema: { name: string; type: string }[]): string {
  return schema.map((column) => `${column.name} ${column.type}`).join(", ");
}
