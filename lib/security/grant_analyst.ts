// Owns read-only analyst access: the group role anime_reader and a login role that belongs to it.
/**
 * @example Give an analyst read access to the published star schema
 * ```ts ignore
 * import { grantAnalyst } from "./grant_analyst.ts";
 * const access = await grantAnalyst(db, { role: "analyst_ana", password: Deno.env.get("ANA_PW") });
 * console.log(access.readsStar, access.reachesEtl); // true false
 * ```
 */
import postgres from "postgres";
import type { DbSettings } from "../config/settings.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { sqlText } from "../load/sql_files.ts";
import { scramVerifier } from "./scram_verifier.ts";

/** Options of {@link grantAnalyst}. */
export interface GrantAnalystOptions {
  /** Login role to create or update; any name (quotes, spaces and unicode are escaped). */
  role: string;
  /** Password to set; sent as a SCRAM-SHA-256 verifier. Default: leave the password as it is. */
  password?: string;
}

/** What the analyst role can do afterwards, as PostgreSQL reports it. */
export interface AnalystAccess {
  role: string;
  /** Star tables published so far (0 before the first run; each run grants again). */
  starTables: number;
  readsStar: boolean;
  writesStar: boolean;
  /** True only on PostgreSQL before 15, whose public schema lets every role create tables. */
  createsInPublic: boolean;
  reachesEtl: boolean;
  passwordSet: boolean;
}

/**
 * Creates the NOLOGIN group role `anime_reader` (SELECT on the star tables, CONNECT, USAGE on
 * public; no access to schema `etl`), creates or updates the login role, makes it a member with
 * `default_transaction_read_only`, and grants SELECT on the star tables already published. Every
 * later publish grants again. Needs a role that may create roles and grant on the tables (the
 * owner of the database or a superuser).
 *
 * @param db Where the star schema lives.
 * @returns The resulting access.
 * @throws {PipelineError} `DB_UNREACHABLE` when PostgreSQL cannot be reached; `CONFIG_INVALID` when
 *   the role may do more than read or PostgreSQL refuses the grants (message from PostgreSQL).
 */
export async function grantAnalyst(
  db: DbSettings,
  options: GrantAnalystOptions,
): Promise<AnalystAccess> {
  const sql = postgres({
    host: db.host,
    port: db.port,
    database: db.database,
    username: db.user,
    password: db.password,
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: "anime-etl-grant" },
  });
  try {
    try {
      await sql`select 1`;
    } catch (error) {
      throw new PipelineError(
        "DB_UNREACHABLE",
        `Cannot connect to PostgreSQL at ${db.host}:${db.port} database "${db.database}" as "${db.user}": ${
          errorMessage(error)
        }`,
        { stage: "config", cause: error },
      );
    }
    const verifier = options.password ? await scramVerifier(options.password) : "";
    try {
      await sql.begin(async (tx) => {
        await tx.unsafe(await sqlText("roles/set_analyst"), [options.role, verifier]);
        await tx.unsafe(await sqlText("roles/grant_analyst"));
        await tx.unsafe(await sqlText("roles/grant_readers"));
      });
    } catch (error) {
      throw new PipelineError(
        "CONFIG_INVALID",
        `Cannot grant analyst access to role "${options.role}": ${errorMessage(error)}`,
        { stage: "config", cause: error },
      );
    }
    const [access] = await sql.unsafe<
      {
        reads_star: boolean;
        writes_star: boolean;
        star_tables: number;
        creates_in_public: boolean;
        reaches_etl: boolean;
      }[]
    >(await sqlText("roles/analyst_access"), [options.role]);
    return {
      role: options.role,
      starTables: access!.star_tables,
      readsStar: access!.reads_star,
      writesStar: access!.writes_star,
      createsInPublic: access!.creates_in_public,
      reachesEtl: access!.reaches_etl,
      passwordSet: verifier !== "",
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
