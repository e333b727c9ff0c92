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
 * @throws {PipelineError} `DB_INCOMPATIBLE` for a server older than PostgreSQL 13, or for a
 *   schema etl that a newer pipeline migrated (nothing is changed then).
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
  const migrations = await migrationFiles();
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(await sqlText("migrations/000000_bootstrap"));
    const applied = await appliedMigrations(tx, migrations);
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.unsafe(await sqlText(migration.name));
      await tx`insert into etl.schema_migrations (version, name)
               values (${migration.version}, ${migration.fileName})`;
      done.push(migration.fileName);
    }
    return done;
  });
}

/** A migration file: `sql/migrations/000003_line_accounting.sql` is version 3. */
interface MigrationFile {
  version: number;
  /** Name for {@link sqlText}, e.g. `migrations/000003_line_accounting`. */
  name: string;
  /** File name without extension, as etl.schema_migrations records it. */
  fileName: string;
}

async function migrationFiles(): Promise<MigrationFile[]> {
  return (await sqlNames("migrations"))
    .filter((name) => !name.endsWith("000000_bootstrap"))
    .map((name) => {
      const fileName = name.split("/").pop()!;
      return { version: Number(fileName.split("_")[0]), name, fileName };
    });
}

// The versions recorded in etl.schema_migrations. One this pipeline has no file for was applied by
// a newer pipeline, whose tables this one would misread or break.
async function appliedMigrations(
  sql: Pick<Sql, "unsafe">,
  migrations: MigrationFile[],
): Promise<Set<number>> {
  const rows = await sql.unsafe<{ version: number; name: string; database: string }[]>(
    "select version, name, current_database() as database from etl.schema_migrations order by version",
  );
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = rows.find((row) => !known.has(row.version));
  if (unknown !== undefined) {
    const latest = migrations.at(-1)?.fileName ?? "none";
    throw new PipelineError(
      "DB_INCOMPATIBLE",
      `Cannot use database "${unknown.database}": its schema etl has migration ${unknown.name}, ` +
        `which this pipeline does not know (its latest is ${latest}); a newer version of the ` +
        `pipeline migrated it: run that version, or point this one at another database`,
      { stage: "load" },
    );
  }
  return new Set(rows.map((row) => row.version));
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
 * @throws {PipelineError} `DB_INCOMPATIBLE` for a schema etl that a newer pipeline migrated.
 */
export async function pendingMigrations(sql: Sql): Promise<MigrationState> {
  const migrations = await migrationFiles();
  const [row] = await sql<{ bookkept: boolean }[]>`
    select to_regclass('etl.schema_migrations') is not null as bookkept`;
  if (!row?.bookkept) {
    return { bookkept: false, pending: migrations.map((migration) => migration.fileName) };
  }
  const applied = await appliedMigrations(sql, migrations);
  return {
    bookkept: true,
    pending: migrations
      .filter((migration) => !applied.has(migration.version))
      .map((migration) => migration.fileName),
  };
}
