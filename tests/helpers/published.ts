// Owns fingerprints of what a run published and recorded, to prove "exactly what a clean run
// loads" and "a failed run changes nothing readers see".
import assert from "node:assert/strict";
import type { DbSettings } from "../../lib/config/settings.ts";
import { connectTo } from "./services.ts";

/** Star tables in publish order. */
export const STAR_TABLES = [
  "anime_watching_status",
  "anime_master",
  "anime_meta",
  "anime_score_details",
  "anime_genre",
  "anime_synopsis",
  "anime_list",
  "anime_list_source",
  "anime_stats",
  "anime_status_stats",
  "genre_stats",
] as const;

/** md5 of every published star table's rows in a stable order; `{}` when nothing is published. */
export async function publishedFingerprint(db: DbSettings): Promise<Record<string, string>> {
  const sql = connectTo(db);
  try {
    const fingerprint: Record<string, string> = {};
    for (const table of STAR_TABLES) {
      const [exists] = await sql`select to_regclass(${`public.${table}`}) is not null as found`;
      if (!exists?.found) continue;
      // The ledger's keys and ETags name the objects, which differ between a gzipped and a plain
      // copy of the same data: its rows count by source id, key without .gz and as-of date.
      const rows = table === "anime_list_source"
        ? `(select source_id, regexp_replace(object_key, '\\.gz$', '') as object_key, as_of
            from public.anime_list_source)`
        : `public.${table}`;
      const [row] = await sql.unsafe(
        `select count(*)::int as n, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), ''))
           as digest from ${rows} t`,
      );
      fingerprint[table] = `${row!.n} ${row!.digest}`;
    }
    return fingerprint;
  } finally {
    await sql.end();
  }
}

/**
 * A run's accounting: per file rows read/loaded/quarantined, and a digest of its rejects (key with
 * `.gz` dropped, line, reason, detail, raw, raw bytes).
 */
export async function runFingerprint(db: DbSettings, runId: number): Promise<string[]> {
  const sql = connectTo(db);
  try {
    const files = await sql<{ line: string }[]>`
      select concat_ws(' ', source_file, rows_read, rows_loaded, rows_quarantined) as line
      from etl.run_files where run_id = ${runId} order by source_file`;
    const [rejects] = await sql<{ n: number; digest: string }[]>`
      select count(*)::int as n, md5(coalesce(string_agg(concat_ws('|',
        regexp_replace(source_key, '\\.gz$', ''), line_number, reason, detail, raw,
        encode(raw_bytes, 'hex')), E'\\n' order by source_key, line_number, reason), '')) as digest
      from etl.rejects where run_id = ${runId}`;
    return [...files.map((file) => file.line), `rejects ${rejects!.n} ${rejects!.digest}`];
  } finally {
    await sql.end();
  }
}

/** Asserts that a failed run left the published tables as they were and no staging schema. */
export async function assertNothingPublished(
  db: DbSettings,
  runId: number,
  before: Record<string, string>,
  error: { code: string; message: string },
): Promise<void> {
  assert.deepEqual(await publishedFingerprint(db), before, "published tables changed");
  const sql = connectTo(db);
  try {
    const [run] = await sql`select status, error from etl.runs where run_id = ${runId}`;
    assert.deepEqual({ ...run }, { status: "failed", error: `${error.code}: ${error.message}` });
    const [stage] =
      await sql`select count(*)::int as n from pg_namespace where nspname = 'etl_stage'`;
    assert.equal(stage?.n, 0, "etl_stage left behind");
  } finally {
    await sql.end();
  }
}
