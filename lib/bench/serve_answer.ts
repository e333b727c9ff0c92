// Owns one bench:serve answer as a single statement: the query's rows with the identity of the data
// set they came from, read by the same snapshot, and the check that the answer is from one data set.
/**
 * @example A user's list, answered and checked
 * ```ts ignore
 * import { answerStatement, judgeAnswer } from "./serve_answer.ts";
 * const text = await answerStatement("user_list");
 * const [answer] = await sql.unsafe(text, [42]);
 * const mixed = judgeAnswer("user_list", answer, new Map());
 * ```
 */
import { sqlText } from "../db/sql_files.ts";

/** What the clients ask: one user's list and the three analyst queries. */
export type ServeQuery =
  | "user_list"
  | "anime_by_watching_status"
  | "highest_rated_anime"
  | "top_genres_by_rating";

/** The one row an answer statement returns. */
export interface ServeAnswer {
  /** Source objects the data set lists (`anime_list_source`): 1 after a full refresh, +1 a delta. */
  sources: number;
  /** The highest `source_id` the data set lists, 0 when it lists none. */
  last_source: number;
  /** For `user_list`: the highest `source_id` of the user's rows, null when the list is empty. */
  highest: number | null;
  /** The query's rows, in its order. */
  rows: unknown[];
}

/**
 * One statement that answers `query` (sql/queries/<query>.sql, same parameters) together with the
 * data set's identity (sql/bench/serve_dataset.sql) and, for a user's list, the newest source of
 * its rows (sql/bench/serve_user_sources.sql). A single statement in READ COMMITTED is its own
 * snapshot, taken after the locks it waited for (a publish swaps the tables in one transaction),
 * so no explicit transaction, LOCK TABLE or second round trip is needed. The rows come back as one
 * JSON array, in the query's order (`json_agg` over the ordered subquery).
 *
 * @param query Which query to wrap.
 * @returns The statement's text, parameters `$1`, `$2` as the query's.
 */
export async function answerStatement(query: ServeQuery): Promise<string> {
  const [text, identity, userSources] = await Promise.all([
    sqlText(`queries/${query}`),
    sqlText("bench/serve_dataset"),
    sqlText("bench/serve_user_sources"),
  ]);
  // Every piece starts with comment lines: each is closed by its own line break.
  const highest = query === "user_list" ? `(\n${userSources}\n)` : "null::int";
  return `select d.sources, d.last_source, ${highest} as highest,\n` +
    `coalesce((select json_agg(q) from (\n${text}\n) as q), '[]'::json) as rows\n` +
    `from (\n${identity}\n) as d`;
}

/**
 * Whether an answer mixes two data sets: a user's list may hold no row from a source object the
 * same answer's data set does not list, and an analyst query's rows must equal the first answer
 * seen for its data set (`canonical`, keyed by query and sources; filled here).
 *
 * @param query The query answered.
 * @param answer The row of {@link answerStatement}.
 * @param canonical The first answer of each query per data set, shared by every client.
 * @returns Undefined when the answer is from one data set, else a description of the mix.
 *
 * @example A user's row from source 2 in a data set that lists only source 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeAnswer } from "./serve_answer.ts";
 * const canonical = new Map<string, string>();
 * const answer = { sources: 1, last_source: 1, highest: 2, rows: [{}] };
 * assert.match(judgeAnswer("user_list", answer, canonical)!, /newest source 2/);
 * assert.equal(judgeAnswer("user_list", { ...answer, highest: 1 }, canonical), undefined);
 * ```
 */
export function judgeAnswer(
  query: ServeQuery,
  answer: ServeAnswer,
  canonical: Map<string, string>,
): string | undefined {
  if (query === "user_list") {
    return (answer.highest ?? 0) > answer.last_source
      ? `user_list: ${answer.rows.length} rows, newest source ${answer.highest}, but the data ` +
        `set lists ${answer.sources} source(s) up to ${answer.last_source}`
      : undefined;
  }
  const text = JSON.stringify(answer.rows);
  const key = `${answer.sources}:${query}`;
  const known = canonical.get(key);
  if (known === undefined) canonical.set(key, text);
  return known !== undefined && known !== text
    ? `${query} differs from the first answer seen with ${answer.sources} source(s): ` +
      `${text.slice(0, 80)}`
    : undefined;
}
