// Owns the general client of the commands around runs: scheduler, dashboard, deadline check, quality.
/**
 * @example
 * ```ts ignore
 * import { connectDatabase } from "./connect_database.ts";
 * const sql = await connectDatabase(db, "anime-dashboard", { migrate: false });
 * await sql.end();
 * ```
 */
import type { Sql } from "postgres";
import type { DbSettings } from "../config/settings.ts";
import { checkReachable } from "./check_reachable.ts";
import { createClient } from "./create_client.ts";
import { guardLostConnections } from "./guard_lost_connections.ts";
import { migrate } from "./migrate.ts";

/**
 * Opens a small pool (2 connections unless `options.connections` says more) to the pipeline's database, checks that it answers and brings
 * the etl schema up to date (so etl.deadline_checks exists before the first run), unless
 * `options.migrate` is false: read-only commands such as the dashboard change nothing.
 *
 * @param db Where to connect.
 * @param applicationName Shown in pg_stat_activity.
 * @param options `migrate`: apply pending migrations; default true. `connections`: the pool's
 *   size; default 2. `socket`: opens the connections' sockets (see {@link createClient}).
 * @returns The client; end it with `sql.end()`.
 * @throws {PipelineError} `DB_UNREACHABLE` when PostgreSQL does not answer within 10 s,
 *   `DB_INCOMPATIBLE` for a server older than PostgreSQL 13.
 */
export async function connectDatabase(
  db: DbSettings,
  applicationName: string,
  options: { migrate?: boolean; connections?: number; socket?: () => Promise<unknown> } = {},
): Promise<Sql> {
  // The scheduler keeps this client for days; PostgreSQL may close its connections meanwhile.
  guardLostConnections();
  const sql = createClient(db, {
    applicationName,
    max: options.connections ?? 2,
    ...(options.socket ? { socket: options.socket } : {}),
  });
  try {
    await checkReachable(sql, db, "load");
    if (options.migrate !== false) await migrate(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  return sql;
}
