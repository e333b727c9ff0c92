// Owns describing the data model from the live catalog: the published star schema, or a preview.
/**
 * @example Read the model for the diagram and the data dictionary
 * ```ts ignore
 * import { readModelCatalog } from "./read_model_catalog.ts";
 * const model = await readModelCatalog(sql);
 * console.log(model.source, model.star.map((table) => table.name));
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { sqlNames, sqlText } from "../../db/sql_files.ts";
import { type CatalogTable, readCatalog } from "./read_catalog.ts";

/** The star schema and the pipeline's bookkeeping tables, as the catalog describes them. */
export interface ModelCatalog {
  /**
   * `published`: the star tables in `public`, as analysts query them. `preview`: no run has
   * published yet, so the tables were built from the same sql/star files inside a transaction that
   * was rolled back.
   */
  source: "published" | "preview";
  /** Star-schema tables (the ones sql/star/tables.sql creates), with schema `public`. */
  star: CatalogTable[];
  /** Tables of the `etl` schema: runs, source files, quarantined rows, quality checks. */
  etl: CatalogTable[];
}

// The statements a run uses to build the star schema's tables, keys and references, in its order.
const STAR_DDL = ["star/tables", "star/anime_list_keys", "star/aggregate_keys", "star/references"];
const PREVIEW_SCHEMA = "etl_model_preview";

class Rollback {
  constructor(readonly model: ModelCatalog) {}
}

/**
 * Reads the data model from pg_catalog, changing nothing: one transaction, always rolled back.
 * Before the first run it creates the tables there (and the etl schema when missing) so that the
 * model can be shown before any data is loaded.
 *
 * @param sql A connection to the pipeline's database.
 * @returns The star and etl tables with columns, keys, references and COMMENTs.
 */
export async function readModelCatalog(sql: Sql): Promise<ModelCatalog> {
  const starNames = await starTableNames();
  try {
    await sql.begin(async (tx) => {
      const state = await readPublishState(tx);
      if (!state.migrated) {
        for (const name of await sqlNames("migrations")) await tx.unsafe(await sqlText(name));
      }
      let starSchema = "public";
      if (!state.published) {
        await tx.unsafe(await sqlText("catalog/create_preview_schema"));
        for (const name of STAR_DDL) await tx.unsafe(await sqlText(name));
        starSchema = PREVIEW_SCHEMA;
      }
      const tables = await readCatalog(tx, [starSchema, "etl"]);
      throw new Rollback({
        source: state.published ? "published" : "preview",
        // A preview names the schema the tables are published into, not the scratch one.
        star: tables.filter((table) => table.schema === starSchema && starNames.has(table.name))
          .map((table) => ({ ...table, schema: "public" })),
        etl: tables.filter((table) => table.schema === "etl"),
      });
    });
  } catch (signal) {
    if (signal instanceof Rollback) return signal.model;
    throw signal;
  }
  throw new Error("Cannot read the model catalog: the transaction ended without a result");
}

/** Whether anything is published, and whether the bookkeeping schema exists. */
export interface PublishState {
  /** A run has published the star schema into `public`. */
  published: boolean;
  /** The `etl` schema exists (a run or a migration has happened). */
  migrated: boolean;
}

/**
 * Reads whether a run has published the star schema (sql/catalog/model_state.sql), changing nothing;
 * it works on a database no run has touched.
 *
 * @param sql A connection or transaction to the pipeline's database.
 * @returns The state.
 */
export async function readPublishState(sql: Sql | TransactionSql): Promise<PublishState> {
  const [state] = await sql.unsafe<PublishState[]>(await sqlText("catalog/model_state"));
  return { published: state?.published ?? false, migrated: state?.migrated ?? false };
}

async function starTableNames(): Promise<Set<string>> {
  const ddl = await sqlText("star/tables");
  return new Set([...ddl.matchAll(/^create table (\w+)/gim)].map((match) => match[1]!));
}
