// Owns reconciling an export read back with polars against the published tables, for notebook 04.
/**
 * @example After `deno task export --out exports`
 * ```ts ignore
 * import { reconcileExport } from "./reconcile_export.ts";
 * const rows = await reconcileExport(sql, "exports/run=12");
 * console.log(rows.every((row) => row.matches));
 * ```
 */
import type { Sql } from "postgres";
import pl from "nodejs-polars";
import { sqlText } from "../db/sql_files.ts";

/** One figure of the export next to the database's. */
export interface ReconciledFigure {
  figure: string;
  exported: number;
  database: number;
  matches: boolean;
}

const SUMMED = ["user_id", "anime_id", "rating", "watching_status", "watched_episodes"] as const;

/**
 * Reads the export in `folder` (`DIR/run=N`) back with polars, the way a training job would, and
 * compares its rows and the sum of each interactions column with the published tables.
 *
 * @param sql A client on the pipeline's database; the published run should be the exported one.
 * @returns One figure per row: interactions and anime rows, then each column's sum.
 */
export async function reconcileExport(sql: Sql, folder: string): Promise<ReconciledFigure[]> {
  const totals = pl.scanParquet(`${folder}/interactions/`)
    // Float64 sums are exact to 2^53; nodejs-polars hands Int64 values to JavaScript cut to 32
    // bits (5e9 comes back as 705,032,704).
    .select(pl.len().alias("rows"), ...SUMMED.map((name) => pl.col(name).cast(pl.Float64).sum()))
    .collectSync();
  const anime = pl.scanParquet(`${folder}/anime/part-00000.parquet`).select(pl.len()).collectSync();
  const [database] = await sql.unsafe<Record<string, number>[]>(
    await sqlText("export/reconcile_totals"),
  );
  const value = (frame: pl.DataFrame, column: string) => Number(frame.getColumn(column).get(0));
  const figure = (name: string, exported: number, inDatabase: number): ReconciledFigure => ({
    figure: name,
    exported,
    database: inDatabase,
    matches: exported === inDatabase,
  });
  return [
    figure("interactions rows", value(totals, "rows"), database!.interactions!),
    figure("anime rows", value(anime, anime.columns[0]!), database!.anime!),
    ...SUMMED.map((name) => figure(`sum of ${name}`, value(totals, name), database![name]!)),
  ];
}
