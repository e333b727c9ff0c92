// Owns read-only analyst access: the group role anime_reader and a login role that belongs to it.
/**
 * @example Give an analyst read access to the published star schema
 * ```ts ignore
 * import { grantAnalyst } from "./grant_analyst.ts";
 * const access = await grantAnalyst(db, { role: "analyst_ana", password: Deno.env.get("ANA_PW") });
 * console.log(access.readsStar, access.reachesEtl); // true false
 * ```
 */
import type { DbSettings } from "../config/settings.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { checkReachable } from "../db/check_reachable.ts";
import { createClient } from "../db/create_client.ts";
import { sqlText } from "../db/sql_files.ts";
import { scramVerifier } from "./scram_verifier.ts";

/** Session limits of an analyst in the target database, in PostgreSQL's units; "" leaves one unset. */
export interface AnalystLimits {
  /** Longest statement; below the publish's 120 s lock wait, so one query cannot fail a publish. */
  statementTimeout: string;
  /** Longest idle time inside a transaction, which would hold its locks. */
  idleInTransactionSessionTimeout: string;
  /** Longest wait for a lock (e.g. behind a publish), instead of queueing other readers behind it. */
  lockTimeout: string;
  /** Most temporary file space per session, when the role may create temporary tables. */
  tempFileLimit: string;
}

/** The limits `deno task grant-analyst` sets unless told otherwise (README, "Security"). */
export const DEFAULT_ANALYST_LIMITS: AnalystLimits = {
  statementTimeout: "90s",
  idleInTransactionSessionTimeout: "30s",
  lockTimeout: "10s",
  tempFileLimit: "2GB",
};

/** Options of {@link grantAnalyst}. */
export interface GrantAnalystOptions {
  /** Login role to create or update; any name up to 63 bytes (quotes, spaces, unicode escaped). */
  role: string;
  /** Password to set; sent as a SCRAM-SHA-256 verifier. Default: leave the password as it is. */
  password?: string;
  /** Let an existing role that is not an analyst yet (or cannot log in) become one. */
  allowExisting?: boolean;
  /** Session limits; each defaults to {@link DEFAULT_ANALYST_LIMITS}. */
  limits?: Partial<AnalystLimits>;
  /** Roles the pipeline connects as (configured targets' users); refused besides the current user. */
  pipelineRoles?: string[];
}

/** What the analyst role can do afterwards, as PostgreSQL reports it. */
export interface AnalystAccess {
  role: string;
  database: string;
  /** `created`, `updated` (an analyst already) or `converted` (an existing role, --allow-existing). */
  change: "created" | "updated" | "converted";
  /** Star tables published so far (0 before the first run; each run grants again). */
  starTables: number;
  readsStar: boolean;
  writesStar: boolean;
  /** True when it can create tables in public: see `publicCreates` for why. */
  createsInPublic: boolean;
  /** True when PUBLIC (every role) holds CREATE on schema public. */
  publicCreates: boolean;
  /** `server_version_num`, e.g. 170010. */
  serverVersion: number;
  reachesEtl: boolean;
  /** A member of pg_read_all_data: reads every table, schema etl included. */
  readsAllData: boolean;
  passwordSet: boolean;
  /** The limits set, as given. */
  limits: AnalystLimits;
  /** Whether temp_file_limit was set, or why not. */
  tempFileLimit: "on" | "no-temp" | "not-permitted";
  /** The role's settings in this database, `name=value`. */
  settings: string[];
}

// NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers.
const MAX_NAME_BYTES = 63;

/**
 * Creates the NOLOGIN group role `anime_reader` (SELECT on the star tables, CONNECT, USAGE on
 * public; no access to schema `etl`), creates or updates the login role, makes it a member with
 * `default_transaction_read_only` and session limits in this database only, and grants SELECT on
 * the star tables already published. Every later publish grants again. All of it happens in one
 * transaction that rolls back on any refusal or failure. Needs a role that may create roles and
 * grant on the tables (the owner of the database with CREATEROLE, or a superuser).
 *
 * @param db Where the star schema lives.
 * @returns The resulting access.
 * @throws {PipelineError} `DB_UNREACHABLE` when PostgreSQL cannot be reached; `ROLE_REFUSED` when
 *   the role breaks a rule (each named: superuser, predefined-role, owner, ...), did not end up
 *   read-only, or PostgreSQL refuses a step; nothing has changed then.
 */
export async function grantAnalyst(
  db: DbSettings,
  options: GrantAnalystOptions,
): Promise<AnalystAccess> {
  const role = options.role;
  const refuse = (rules: string) =>
    new PipelineError(
      "ROLE_REFUSED",
      `Cannot make role "${role}" an analyst: ${rules} (nothing was changed)`,
      { stage: "config" },
    );
  const nameBytes = new TextEncoder().encode(role).length;
  if (nameBytes === 0) throw refuse("[name] the role name is empty");
  if (nameBytes > MAX_NAME_BYTES) {
    throw refuse(
      `[name-length] its name is ${nameBytes} bytes, and PostgreSQL keeps only the first ` +
        `${MAX_NAME_BYTES}`,
    );
  }
  const limits = { ...DEFAULT_ANALYST_LIMITS, ...options.limits };
  const sql = createClient(db, { applicationName: "anime-etl-grant" });
  try {
    await checkReachable(sql, db, "config");
    const verifier = options.password ? await scramVerifier(options.password) : "";
    // A jsonb parameter: postgres.js serialises the array itself.
    const pipelineRoles = options.pipelineRoles ?? [];
    try {
      return await sql.begin(async (tx) => {
        const refusals = async () =>
          await tx.unsafe<{ rule: string; detail: string }[]>(
            await sqlText("roles/analyst_refusals"),
            [role, pipelineRoles],
          );
        const explain = (rows: { rule: string; detail: string }[]) =>
          rows.map((row) => `[${row.rule}] ${row.detail}`).join("; ");
        const [before] = await tx.unsafe<{ can_login: boolean; is_analyst: boolean }[]>(
          await sqlText("roles/analyst_before"),
          [role],
        );
        const refusedBefore = await refusals();
        if (refusedBefore.length > 0) throw refuse(explain(refusedBefore));
        const existing = before !== undefined && (!before.can_login || !before.is_analyst);
        if (existing && !options.allowExisting) {
          throw refuse(
            before.can_login
              ? "[existing-role] it already exists and is not an analyst; " +
                "--allow-existing makes it one"
              : "[existing-role] it already exists and cannot log in (NOLOGIN); " +
                "--allow-existing turns it into an analyst login",
          );
        }
        await tx.unsafe(await sqlText("roles/set_analyst"), [
          role,
          verifier,
          limits.statementTimeout,
          limits.idleInTransactionSessionTimeout,
          limits.lockTimeout,
          limits.tempFileLimit,
        ]);
        await tx.unsafe(await sqlText("roles/grant_analyst"));
        await tx.unsafe(await sqlText("roles/grant_readers"));
        // Now a member of anime_reader: judged again with what that role holds.
        const refusedAfter = await refusals();
        if (refusedAfter.length > 0) throw refuse(explain(refusedAfter));
        const [temp] = await tx<{ state: AnalystAccess["tempFileLimit"] }[]>`
          select current_setting('anime_etl.analyst_temp_file_limit_set') as state`;
        const [access] = await tx.unsafe<AccessRow[]>(await sqlText("roles/analyst_access"), [
          role,
        ]);
        const result: AnalystAccess = {
          role,
          database: db.database,
          change: before === undefined ? "created" : existing ? "converted" : "updated",
          starTables: access!.star_tables,
          readsStar: access!.reads_star,
          writesStar: access!.writes_star,
          createsInPublic: access!.creates_in_public,
          publicCreates: access!.public_creates,
          serverVersion: access!.server_version_num,
          reachesEtl: access!.reaches_etl,
          readsAllData: access!.reads_all_data,
          passwordSet: verifier !== "",
          limits,
          tempFileLimit: temp!.state,
          settings: access!.settings,
        };
        const problems = [
          ...(result.starTables > 0 && !result.readsStar ? ["cannot read every star table"] : []),
          ...(result.writesStar ? ["can write star tables"] : []),
          ...(result.reachesEtl && !result.readsAllData ? ["can reach schema etl"] : []),
        ];
        if (problems.length > 0) throw refuse(`[read-only] it ${problems.join(" and ")}`);
        return result;
      });
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw new PipelineError(
        "ROLE_REFUSED",
        `Cannot grant analyst access to role "${role}": ${
          errorMessage(error)
        } (nothing was changed)`,
        { stage: "config", cause: error },
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

interface AccessRow {
  reads_star: boolean;
  writes_star: boolean;
  star_tables: number;
  creates_in_public: boolean;
  public_creates: boolean;
  server_version_num: number;
  reaches_etl: boolean;
  reads_all_data: boolean;
  settings: string[];
}
