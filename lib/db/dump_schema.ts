// Owns dumping a schema's DDL as stable text, so that a change to a table is a visible diff
// against the pinned dumps under sql/schema/.
/**
 * @example Dump the published star schema
 * ```ts ignore
 * import { dumpSchema } from "./dump_schema.ts";
 * console.log(await dumpSchema(sql, "public"));
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "./sql_files.ts";

/**
 * Reads a schema's tables (columns, constraints, indexes, comments), sequences, views and functions
 * from the catalog, in a stable order, every name schema-qualified. pg_dump would do, but the
 * Debian client (15) refuses to dump the embedded server (17).
 *
 * @param schema The schema, e.g. `public` or `etl`.
 * @returns One DDL line per line, ending with a line feed.
 */
export async function dumpSchema(sql: Sql, schema: string): Promise<string> {
  const rows = await sql.begin(async (tx) => {
    await tx.unsafe(await sqlText("catalog/qualify_names"));
    return await tx.unsafe<{ line: string }[]>(await sqlText("catalog/schema_ddl"), [schema]);
  });
  return rows.map((row) => `${row.line}\n`).join("");
}
