// Owns measuring the tables of schemas: exact row counts and bytes on disk.
/**
 * @example How big the published tables are
 * ```ts ignore
 * import { readTableSizes } from "./read_table_sizes.ts";
 * console.table(await readTableSizes(sql, ["public"]));
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "../../db/sql_files.ts";
import { formatBytes } from "../display/format.ts";

/** One table's size. */
export interface TableSize {
  table: string;
  rows: number;
  /** Table, indexes and TOAST, in bytes. */
  bytes: number;
  /** `bytes` for reading, e.g. `12.3 MB`. */
  size: string;
}

/**
 * Counts the rows of every ordinary table of the schemas (a full scan each: for reports) and
 * reads their total size (sql/catalog/table_sizes.sql).
 *
 * @param schemas Schema names, e.g. `["public", "etl"]`.
 * @returns One row per table as `schema.table`, in schema and name order.
 */
export async function readTableSizes(sql: Sql, schemas: readonly string[]): Promise<TableSize[]> {
  const rows = await sql.unsafe<
    { schema_name: string; table_name: string; row_count: number; total_bytes: number }[]
  >(await sqlText("catalog/table_sizes"), [[...schemas]]);
  return rows.map((row) => ({
    table: `${row.schema_name}.${row.table_name}`,
    rows: row.row_count,
    bytes: row.total_bytes,
    size: formatBytes(row.total_bytes),
  }));
}
