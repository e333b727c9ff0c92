// Owns the run's private copy of the star schema: its session settings and empty tables before the
// files load, its references once they have.
/**
 * @example Around the files of a run
 * ```ts ignore
 * import { linkStarSchema, stageStarSchema } from "./stage_star_schema.ts";
 * await stageStarSchema(tx);
 * // ... load every file ...
 * await linkStarSchema(tx);
 * ```
 */
import type { TransactionSql } from "postgres";
import { sqlText } from "../db/sql_files.ts";

/**
 * Sets the load transaction's settings and creates the star tables in the staging schema, which
 * comes first on the transaction's search_path.
 */
export async function stageStarSchema(tx: TransactionSql): Promise<void> {
  await tx.unsafe(await sqlText("runs/load_session"));
  await tx.unsafe(await sqlText("runs/create_staging"));
  await tx.unsafe(await sqlText("star/tables"));
}

/** Adds the foreign keys between the staged tables once every file is in. */
export async function linkStarSchema(tx: TransactionSql): Promise<void> {
  await tx.unsafe(await sqlText("star/references"));
}
