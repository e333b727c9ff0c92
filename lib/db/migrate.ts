// Owns schema migrations of the etl schema: numbered files, each applied once in a transaction.
/**
 * @example Bring a database up to date (a second call changes nothing)
 * ```ts ignore
 * import { migrate } from "./migrate.ts";
 * const applied = await migrate(sql);
 * console.log(`applied ${applied.length} migrations`);
 * ```
 */
import type { Sql } from "postgres";
import { PipelineError } from "../errors.ts";
import { sqlNames, sqlText } from "./sql_files.ts";

/** Oldest PostgreSQL the pipeline supports (server_version_num). */
const MIN_SERVER_VERSION = 130000;
// Serialises concurrent migrators; any constant distinct from the run lock works.
const MIGRATION_LOCK = 7_411_001;

/**
 * Checks the server version and applies pending migrations from sql/migrations.
 *
 * @returns Names of the migrations applied now (empty when up to date).
 * @throws {PipelineError} `DB_INCOMPATIBLE` for a server older than PostgreSQL 13.
 */
export async function migrate(sql: Sql): Promise<string[]> {
  const [row] = await sql<{ server_version_num: string }[]>`show server_version_num`;
  const serverVersion = Number(row?.server_version_num ?? 0);
  if (serverVersion < MIN_SERVER_VERSION) {
    throw new PipelineError(
      "DB_INCOMPATIBLE",
      `Cannot use PostgreSQL ${serverVersion}: the pipeline needs PostgreSQL 13 or later`,
      { stage: "load" },
    );
  }
  const names = (await sqlNames("migrations")).filter((name) => !name.endsWith("000000_bootstrap"));
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(await sqlText("migrations/000000_bootstrap"));
    const applied = new Set(
      (await tx<{ version: number }[]>`select version from etl.schema_migrations`).map((row) =>
        row.version
      ),
    );
    const done: string[] = [];
    for (const name of names) {
      const fileName = name.split("/").pop()!;
      const version = Number(fileName.split("_")[0]);
      if (applied.has(version)) continue;
      await tx.unsafe(await sqlText(name));
      await tx`insert into etl.schema_migrations (version, name) values (${version}, ${fileName})`;
      done.push(fileName);
    }
    return done;
  });
}

/** What {@link pendingMigrations} found. */
export interface MigrationState {
  /** Whether schema etl exists (no run, scheduler or deadline check has touched the database). */
  bookkept: boolean;
  /** File names of the migrations not applied yet, in order. */
  pending: string[];
}

/**
 * Lists the migrations a database lacks without applying any, for read-only commands such as the
 * dashboard, which must not change the database they read.
 *
 * @returns Whether schema etl exists, and the migrations it lacks (all of them when it does not).
 */
export async function pendingMigrations(sql: Sql): Promise<MigrationState> {
  const names = (await sqlNames("migrations"))
    .filter((name) => !name.endsWith("000000_bootstrap"))
    .map((name) => name.split("/").pop()!);
  const [row] = await sql<{ bookkept: boolean }[]>`
    select to_regclass('etl.schema_migrations') is not null as bookkept`;
  if (!row?.bookkept) return { bookkept: false, pending: names };
  const applied = new Set(
    (await sql<{ version: number }[]>`select version from etl.schema_migrations`).map((migration) =>
      migration.version
    ),
  );
  return {
    bookkept: true,
    pending: names.filter((name) => !applied.has(Number(name.split("_")[0]))),
  };
}
