// Owns reading etl.runs in tests: every run with its trigger, status and error, in order.
import type { DbSettings } from "../../lib/config/settings.ts";
import { connectTo } from "./services.ts";

/** One row of etl.runs as the tests compare it. */
export interface RunRow {
  run_id: number;
  trigger: string;
  status: string;
  error: string | null;
}

/** The runs recorded in a test database, oldest first. */
export async function readRuns(db: DbSettings): Promise<RunRow[]> {
  const sql = connectTo(db);
  try {
    return [
      ...await sql<RunRow[]>`select run_id::int as run_id, trigger, status, error from etl.runs
                             order by run_id`,
    ];
  } finally {
    await sql.end();
  }
}
