// Owns access to the SQL files under sql/: every statement the pipeline runs is read from there by name.
/**
 * @example Read a query by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqlText } from "./sql_files.ts";
 * assert.ok((await sqlText("star/tables")).includes("create table anime_list"));
 * ```
 */

const SQL_ROOT = new URL("../../sql/", import.meta.url);
const cache = new Map<string, string>();

/**
 * Returns the text of `sql/<name>.sql`, cached.
 *
 * @param name Path under sql/ without the extension, e.g. `runs/start_run`.
 */
export async function sqlText(name: string): Promise<string> {
  let text = cache.get(name);
  if (text === undefined) {
    text = await Deno.readTextFile(sqlPath(name));
    cache.set(name, text);
  }
  return text;
}

/** Absolute path of `sql/<name>.sql`, for postgres.js `sql.file`. */
export function sqlPath(name: string): string {
  return new URL(`${name}.sql`, SQL_ROOT).pathname;
}

/** Names (without extension) of the files in a folder under sql/, sorted. */
export async function sqlNames(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL(`${folder}/`, SQL_ROOT))) {
    if (entry.isFile && entry.name.endsWith(".sql")) {
      names.push(`${folder}/${entry.name.slice(0, -4)}`);
    }
  }
  return names.sort();
}
