// Owns showing a named SQL file as a code listing, so a notebook shows the query it runs.
/**
 * @example Show the query behind an answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqlListing } from "./sql_listing.ts";
 * const listing = await sqlListing("queries/top_genres_by_rating");
 * assert.ok(listing.html.startsWith("<pre>") && listing.text.includes("anime_genre"));
 * ```
 */
import { sqlText } from "../../db/sql_files.ts";
import { HtmlFragment } from "./html_fragment.ts";

/**
 * Reads `sql/<name>.sql` and renders it as a preformatted block headed by its path.
 *
 * @param name Path under sql/ without `.sql`, e.g. `queries/highest_rated_anime`.
 * @returns The listing, shown by `show`.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 */
export async function sqlListing(name: string): Promise<HtmlFragment> {
  const text = (await sqlText(name)).trimEnd();
  const escaped = text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  return new HtmlFragment(
    `<pre><code>-- sql/${name}.sql\n${escaped}</code></pre>`,
    `-- sql/${name}.sql\n${text}`,
  );
}
