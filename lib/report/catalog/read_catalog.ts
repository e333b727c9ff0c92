// Owns reading tables, columns, keys, references and COMMENTs of database schemas from pg_catalog.
/**
 * @example Describe the bookkeeping schema
 * ```ts ignore
 * import { readCatalog } from "./read_catalog.ts";
 * const tables = await readCatalog(sql, ["etl"]);
 * console.log(tables.map((table) => `${table.name}: ${table.comment}`));
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { sqlText } from "../../db/sql_files.ts";

/** A column as the catalog describes it. */
export interface CatalogColumn {
  name: string;
  /** SQL type as `format_type` writes it, e.g. `numeric(4,2)`. */
  type: string;
  notNull: boolean;
  primaryKey: boolean;
  /** The column's COMMENT; null when it has none. */
  comment: string | null;
}

/** A foreign key: `columns` of this table reference `referencedColumns` of another. */
export interface CatalogForeignKey {
  name: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  /** True when PostgreSQL has checked every existing row. */
  validated: boolean;
}

/** A table with its columns (in order), references and COMMENT. */
export interface CatalogTable {
  schema: string;
  name: string;
  comment: string | null;
  columns: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
}

interface ColumnRow {
  schema_name: string;
  table_name: string;
  table_comment: string | null;
  column_name: string;
  data_type: string;
  not_null: boolean;
  column_comment: string | null;
  primary_key: boolean;
}

interface ForeignKeyRow {
  schema_name: string;
  table_name: string;
  constraint_name: string;
  columns: string[];
  referenced_schema: string;
  referenced_table: string;
  referenced_columns: string[];
  validated: boolean;
}

/**
 * Reads every ordinary table of the given schemas (sql/catalog/columns.sql and foreign_keys.sql).
 *
 * @param sql Connection or transaction; a transaction sees its own uncommitted tables.
 * @param schemas Schema names, e.g. `["public", "etl"]`.
 * @returns Tables sorted by schema and name; empty when the schemas hold none.
 */
export async function readCatalog(
  sql: Sql | TransactionSql,
  schemas: readonly string[],
): Promise<CatalogTable[]> {
  const columns = await sql.unsafe<ColumnRow[]>(await sqlText("catalog/columns"), [
    [...schemas],
  ]);
  const keys = await sql.unsafe<ForeignKeyRow[]>(await sqlText("catalog/foreign_keys"), [
    [...schemas],
  ]);
  const tables = new Map<string, CatalogTable>();
  for (const row of columns) {
    const id = `${row.schema_name}.${row.table_name}`;
    let table = tables.get(id);
    if (table === undefined) {
      table = {
        schema: row.schema_name,
        name: row.table_name,
        comment: row.table_comment,
        columns: [],
        foreignKeys: [],
      };
      tables.set(id, table);
    }
    table.columns.push({
      name: row.column_name,
      type: row.data_type,
      notNull: row.not_null,
      primaryKey: row.primary_key,
      comment: row.column_comment,
    });
  }
  for (const row of keys) {
    tables.get(`${row.schema_name}.${row.table_name}`)?.foreignKeys.push({
      name: row.constraint_name,
      columns: row.columns,
      referencedSchema: row.referenced_schema,
      referencedTable: row.referenced_table,
      referencedColumns: row.referenced_columns,
      validated: row.validated,
    });
  }
  return [...tables.values()];
}
