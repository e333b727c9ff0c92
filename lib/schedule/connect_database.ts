// Owns the bookkeeping connection of the scheduler, the dashboard and the deadline check.
/**
 * @example
 * ```ts ignore
 * import { connectDatabase } from "./connect_database.ts";
 * const sql = connectDatabase(db, "anime-dashboard");
 * await sql.end();
 * ```
 */
import postgres, { type Sql } from "postgres";
import type { DbSettings } from "../config/settings.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { guardLostConnections } from "../load/guard_lost_connections.ts";
import { migrate } from "../load/migrate.ts";

/**
 * Opens a small pool (2 connections) to the pipeline's database, checks that it answers and brings
 * the etl schema up to date (so etl.deadline_checks exists before the first run), unless
 * `options.migrate` is false: read-only commands such as the dashboard change nothing.
 *
 * @param db Where to connect.
 * @param applicationName Shown in pg_stat_activity.
 * @param options `migrate`: apply pending migrations; default true.
 * @returns The client; end it with `sql.end()`.
 * @throws {PipelineError} `DB_UNREACHABLE` when PostgreSQL does not answer within 10 s,
 *   `DB_INCOMPATIBLE` for a server older than PostgreSQL 13.
 */
export async function connectDatabase(
  db: DbSettings,
  applicationName: string,
  options: { migrate?: boolean } = {},
): Promise<Sql> {
  // The scheduler keeps this client for days; PostgreSQL may close its connections meanwhile.
  guardLostConnections();
  const sql = postgres({
    host: db.host,
    port: db.port,
    database: db.database,
    username: db.user,
    password: db.password,
    max: 2,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw new PipelineError(
      "DB_UNREACHABLE",
      `Cannot connect to PostgreSQL at ${db.host}:${db.port} database "${db.database}" as "${db.user}": ${
        errorMessage(error)
      }`,
      { stage: "load", cause: error },
    );
  }
  if (options.migrate === false) return sql;
  try {
    await migrate(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  return sql;
}
