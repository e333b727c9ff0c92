// Owns the reachability probe: one round trip that turns "cannot connect" into DB_UNREACHABLE.
/**
 * @example Probe before doing anything else
 * ```ts ignore
 * import { checkReachable } from "./check_reachable.ts";
 * await checkReachable(sql, db, "load");
 * ```
 */
import type { Sql } from "postgres";
import type { DbSettings } from "../config/settings.ts";
import { errorMessage, PipelineError, type Stage } from "../errors.ts";

/**
 * Runs `select 1` on the client.
 *
 * @param db The settings the client was built from, named in the error (never the password).
 * @param stage The stage the caller reports a failure under (`load` for a run, `config` for a
 *   command that only administers the database).
 * @throws {PipelineError} `DB_UNREACHABLE` naming host, port, database, user and the cause.
 */
export async function checkReachable(sql: Sql, db: DbSettings, stage: Stage): Promise<void> {
  try {
    await sql`select 1`;
  } catch (error) {
    throw new PipelineError(
      "DB_UNREACHABLE",
      `Cannot connect to PostgreSQL at ${db.host}:${db.port} database "${db.database}" as "${db.user}": ${
        errorMessage(error)
      }`,
      { stage, cause: error },
    );
  }
}
