// Owns reading everything the dashboard shows, in one consistent snapshot of the database.
/**
 * @example Read the figures and look at the freshness
 * ```ts ignore
 * import { readDashboardData } from "./read_dashboard_data.ts";
 * const data = await readDashboardData(sql);
 * console.log(data.freshness.published_run_id, data.tableRows);
 * ```
 */
import type { Sql } from "postgres";
import { PipelineError } from "../errors.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { sqlText } from "../db/sql_files.ts";
import type { QueryRow } from "../report/queries/run_query.ts";

/** The freshness row (sql/dashboard/freshness.sql); run fields are null before the first run. */
export interface Freshness {
  generated_at: Date;
  published_run_id: number | null;
  published_at: Date | null;
  published_age_seconds: number | null;
  confirmed_run_id: number | null;
  confirmed_status: string | null;
  confirmed_started_at: Date | null;
  confirmed_at: Date | null;
  confirmed_age_seconds: number | null;
  last_run_id: number | null;
  last_status: string | null;
  last_trigger: string | null;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_error: string | null;
}

/** One quality check of one run (sql/dashboard/quality_history.sql). */
/** The last delta applied: key, as-of date, the run that applied it and its lag in days. */
export interface LastDelta {
  source_id: number;
  object_key: string;
  as_of: string | null;
  applied_run_id: number | null;
  applied_at: Date | null;
  lag_days: number | null;
}

export interface QualityHistoryRow {
  run_id: number;
  run_status: string;
  started_at: Date;
  name: string;
  status: "passed" | "failed" | "warned";
  blocking: boolean;
  observed: string;
  expected: string;
}

/** Everything the dashboard shows. Analyst views are empty before the first publish. */
export interface DashboardData {
  freshness: Freshness;
  /** Whether the star tables exist (a run has published). */
  published: boolean;
  /** Source objects of the published run: key, ETag, size, Last-Modified, rows. */
  sourceFiles: QueryRow[];
  /** The last daily delta the published list contains; null when it contains none. */
  lastDelta: LastDelta | null;
  tableRows: { table_name: string; row_count: number }[];
  /** Quarantined rows of the published run per source key and reason. */
  rejects: { source_key: string; reason: string; rows: number }[];
  qualityHistory: QualityHistoryRow[];
  recentRuns: QueryRow[];
  deadlineChecks: QueryRow[];
  highestRated: QueryRow[];
  watchingNow: QueryRow[];
  completed: QueryRow[];
  dropped: QueryRow[];
  genrePopularity: QueryRow[];
  genresByRating: QueryRow[];
}

/** Options of {@link readDashboardData}. */
export interface ReadDashboardOptions {
  /** Rows in each analyst view; default 10. */
  top?: number;
  /** Fewest MyAnimeList votes for the highest-rated list; default 1,000 (as in the notebooks). */
  minVotes?: number;
  /** Fewest user ratings for a genre in the rating table; default 1,000. */
  minRatings?: number;
  /** Runs in the run history and the quality history; default 10. */
  runs?: number;
  /** Deadline checks listed; default 7. */
  deadlineChecks?: number;
}

const WATCHING = 1;
const COMPLETED = 2;
const DROPPED = 4;

/**
 * Reads the dashboard's figures in one read-only, repeatable-read transaction, so a run publishing
 * meanwhile cannot mix two data sets. Uses sql/dashboard/*.sql and the analysts' sql/queries/*.sql.
 * Changes nothing: a database no run has touched (no schema etl) reads as "no data yet".
 *
 * @param sql A connection to the pipeline's database.
 * @param options How many rows each part shows.
 * @returns The figures.
 * @throws {PipelineError} `DB_INCOMPATIBLE` when schema etl lacks migrations of this version
 *   (`deno task etl` applies them).
 */
export async function readDashboardData(
  sql: Sql,
  options: ReadDashboardOptions = {},
): Promise<DashboardData> {
  const top = options.top ?? 10;
  const runs = options.runs ?? 10;
  const migrations = await pendingMigrations(sql);
  if (!migrations.bookkept) {
    const [{ now }] = await sql<[{ now: Date }]>`select now()`;
    return emptyDashboardData(now);
  }
  if (migrations.pending.length > 0) {
    throw new PipelineError(
      "DB_INCOMPATIBLE",
      `Cannot read the dashboard's figures: schema etl lacks migration ${
        migrations.pending.join(", ")
      }; deno task etl (or deno task schedule) applies it`,
      { stage: "load" },
    );
  }
  return await sql.begin("isolation level repeatable read read only", async (tx) => {
    const query = async <T = QueryRow>(name: string, parameters: unknown[] = []) =>
      [...await tx.unsafe(await sqlText(name), parameters as never[])] as T[];
    const [freshness] = await query<Freshness>("dashboard/freshness");
    const [star] = await query<{ published: boolean }>("dashboard/star_published");
    const published = star?.published ?? false;
    const runId = freshness?.published_run_id ?? null;
    const analyst = async (name: string, parameters: unknown[]) =>
      published ? await query(name, parameters) : [];
    const [ledger] = await query<{ exists: boolean }>("deltas/ledger_exists");
    const [lastDelta] = ledger?.exists ? await query<LastDelta>("dashboard/last_delta") : [];
    return {
      freshness: freshness!,
      published,
      sourceFiles: runId === null ? [] : await query("dashboard/source_files", [runId]),
      lastDelta: lastDelta ?? null,
      tableRows: await query("dashboard/table_rows"),
      rejects: runId === null ? [] : await query("queries/rejects_by_reason", [runId]),
      qualityHistory: await query<QualityHistoryRow>("dashboard/quality_history", [runs]),
      recentRuns: await query("queries/recent_runs", [runs]),
      deadlineChecks: await query("dashboard/deadline_checks", [options.deadlineChecks ?? 7]),
      highestRated: await analyst("queries/highest_rated_anime", [options.minVotes ?? 1000, top]),
      watchingNow: await analyst("queries/anime_by_watching_status", [WATCHING, top]),
      completed: await analyst("queries/anime_by_watching_status", [COMPLETED, top]),
      dropped: await analyst("queries/anime_by_watching_status", [DROPPED, top]),
      genrePopularity: await analyst("dashboard/genre_popularity", [top]),
      genresByRating: await analyst("queries/top_genres_by_rating", [
        options.minRatings ?? 1000,
        top,
      ]),
    };
  });
}

function emptyDashboardData(generatedAt: Date): DashboardData {
  return {
    freshness: {
      generated_at: generatedAt,
      published_run_id: null,
      published_at: null,
      published_age_seconds: null,
      confirmed_run_id: null,
      confirmed_status: null,
      confirmed_started_at: null,
      confirmed_at: null,
      confirmed_age_seconds: null,
      last_run_id: null,
      last_status: null,
      last_trigger: null,
      last_started_at: null,
      last_finished_at: null,
      last_error: null,
    },
    published: false,
    sourceFiles: [],
    lastDelta: null,
    tableRows: [],
    rejects: [],
    qualityHistory: [],
    recentRuns: [],
    deadlineChecks: [],
    highestRated: [],
    watchingNow: [],
    completed: [],
    dropped: [],
    genrePopularity: [],
    genresByRating: [],
  };
}
