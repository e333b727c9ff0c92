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
import { INTERACTION_COLUMNS } from "./interaction_columns.ts";

/** One figure of the export next to the database's. */
export interface ReconciledFigure {
  figure: string;
  exported: number;
  database: number;
  matches: boolean;
}

// Every column is summed (sql/export/reconcile_totals.sql has one total per column, by name): a
// date as days since 1970-01-01, polars' Date, and nulls left out on both sides.
const SUMMED = INTERACTION_COLUMNS.map((column) => column.name);

/**
 * Reads the export in `folder` (`DIR/run=N`) back with polars, the way a training job would, and
 * compares its rows and the sum of each interactions column with the published tables (`as_of` as
 * days since 1970-01-01, its nulls left out).
 *
 * @param sql A client on the pipeline's database; the published run should be the exported one.
 * @returns One figure per row: interactions and anime rows, then each column's sum.
 */
export async function reconcileExport(sql: Sql, folder: string): Promise<ReconciledFigure[]> {
  const totals = pl.scanParquet(`${folder}/interactions/`)
    // Float64 sums are exact to 2^53; nodejs-polars hands Int64 values to JavaScript cut to 32
    // bits (5e9 comes back as 705,032,704).
    // A Date casts to its days since 1970 (Int32), which then sum like the integers.
    .select(
      pl.len().alias("rows"),
      ...SUMMED.map((name) => pl.col(name).cast(pl.Int32).cast(pl.Float64).sum()),
    )
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
    ...SUMMED.map((name) => {
      const total = database![name];
      if (total === undefined) {
        throw new Error(`sql/export/reconcile_totals.sql has no total of the column "${name}"`);
      }
      return figure(`sum of ${name}`, value(totals, name), total);
    }),
  ];
}
