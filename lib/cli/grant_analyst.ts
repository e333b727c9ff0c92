// Owns `deno task grant-analyst`: a read-only login role for analysts on the configured database.
import { resolve } from "node:path";
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
  usageError,
} from "./_command_line.ts";
import { chooseConfigFile, resolveSettings } from "../config/settings.ts";
import {
  type AnalystAccess,
  type AnalystLimits,
  DEFAULT_ANALYST_LIMITS,
  grantAnalyst,
} from "../security/grant_analyst.ts";
import { openDatabase, redactor } from "../targets.ts";

const HELP = {
  command: "deno task grant-analyst",
  summary: "Creates or updates a read-only login role for analysts: a member of anime_reader, " +
    "which reads the published star tables and nothing in schema etl, with session limits in " +
    "this database. Refuses, naming the rule, any role that could do more than read; all in one " +
    "transaction, so a refusal changes nothing.",
  configuration: [
    CONFIG_FILE_HELP,
    DB_HELP + "; run it as a superuser, or the database owner with CREATEROLE",
    "the password: the environment variable named by --password-env",
  ],
  exitCodes: [
    [0, "done"],
    [1, "failed or refused (the grant:failed line says why; nothing was changed)"],
    [2, "usage or configuration error"],
  ],
} as const;

const OPTIONS = {
  config: CONFIG_OPTION,
  role: {
    type: "string",
    value: "NAME",
    required: true,
    description: "login role to create or update (at most 63 bytes)",
  },
  "password-env": {
    type: "string",
    value: "VAR",
    description: "environment variable holding its password; without it the password is kept",
  },
  "allow-existing": {
    type: "boolean",
    default: false,
    description: "let an existing role that is not an analyst yet (or is NOLOGIN) become one",
  },
  "statement-timeout": {
    type: "string",
    value: "TIME",
    default: DEFAULT_ANALYST_LIMITS.statementTimeout,
    description: "statement_timeout of its sessions (0: none)",
  },
  "idle-in-transaction-timeout": {
    type: "string",
    value: "TIME",
    default: DEFAULT_ANALYST_LIMITS.idleInTransactionSessionTimeout,
    description: "idle_in_transaction_session_timeout of its sessions (0: none)",
  },
  "lock-timeout": {
    type: "string",
    value: "TIME",
    default: DEFAULT_ANALYST_LIMITS.lockTimeout,
    description: "lock_timeout of its sessions (0: none)",
  },
  "temp-file-limit": {
    type: "string",
    value: "SIZE",
    default: DEFAULT_ANALYST_LIMITS.tempFileLimit,
    description: "temp_file_limit, when it may create temporary tables (-1: none)",
  },
} as const;

const DURATION = /^\d+(us|ms|s|min|h|d)?$/;
const SIZE = /^(-1|\d+(kB|MB|GB|TB)?)$/;
const DEFAULT_CONFIG = "./credentials.cfg";

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (!values.role) {
    console.error("Missing --role NAME: the role must have a name (--help lists the options)");
    return 2;
  }
  const limits: AnalystLimits = {
    statementTimeout: values["statement-timeout"],
    idleInTransactionSessionTimeout: values["idle-in-transaction-timeout"],
    lockTimeout: values["lock-timeout"],
    tempFileLimit: values["temp-file-limit"],
  };
  for (
    const [flag, value, pattern, example] of [
      ["--statement-timeout", limits.statementTimeout, DURATION, "90s, 500ms or 5min"],
      ["--idle-in-transaction-timeout", limits.idleInTransactionSessionTimeout, DURATION, "30s"],
      ["--lock-timeout", limits.lockTimeout, DURATION, "10s"],
      ["--temp-file-limit", limits.tempFileLimit, SIZE, "2GB, 500MB or -1"],
    ] as const
  ) {
    if (!pattern.test(value)) {
      return usageError(
        `Invalid ${flag} "${value}": expected a value such as ${example}`,
        HELP,
        OPTIONS,
      );
    }
  }
  const passwordVariable = values["password-env"];
  const password = passwordVariable === undefined ? undefined : Deno.env.get(passwordVariable);
  if (passwordVariable !== undefined && !password) {
    console.error(`Cannot read the password: environment variable ${passwordVariable} is not set`);
    return 2;
  }
  let redact = (text: string) => text;
  let configured = false;
  try {
    const configFile = chooseConfigFile(values.config);
    const { db, secrets } = await openDatabase({
      ...configFile,
      log: (line) => console.error(line),
    });
    configured = true;
    redact = redactor([...secrets, ...(password ? [password] : [])]);
    const access = await grantAnalyst(db, {
      role: values.role,
      ...(password ? { password } : {}),
      allowExisting: values["allow-existing"],
      limits,
      pipelineRoles: [db.user, ...(await otherTargetUsers(configFile.configPath))],
    });
    for (const line of report(access)) console.log(redact(line));
    for (const line of warnings(access)) console.error(redact(line));
    return 0;
  } catch (error) {
    console.error(failureLine("grant:failed", error, redact));
    // Past the configuration, a refusal or a database error is a failure (1), not a usage error.
    return configured ? 1 : failureExitCode(error);
  }
}

// The pipeline's own role is refused even when grant-analyst runs with another file (an admin's):
// the users of ETL_CONFIG's file and of ./credentials.cfg, which `deno task etl` and the scheduler
// read by default.
async function otherTargetUsers(configPath: string): Promise<string[]> {
  const others = [chooseConfigFile(undefined).configPath, DEFAULT_CONFIG]
    .filter((path) => resolve(path) !== resolve(configPath));
  const users: string[] = [];
  for (const path of new Set(others)) {
    try {
      const settings = await resolveSettings({ configPath: path, warn: () => {} });
      if (settings.mode === "configured") users.push(settings.db.user);
    } catch {
      // An unreadable or invalid other file names no role.
    }
  }
  return users;
}

function report(access: AnalystAccess): string[] {
  const { limits } = access;
  const temp = {
    on: `temp_file_limit ${limits.tempFileLimit}`,
    "no-temp": "no temporary tables (temp_file_limit not needed)",
    "not-permitted": "temp_file_limit not set (see the warning)",
  }[access.tempFileLimit];
  return [
    ...(access.change === "converted"
      ? [
        `grant:converted existing role "${access.role}" is now an analyst login (--allow-existing)`,
      ]
      : []),
    `grant:analyst role "${access.role}" reads ${access.starTables} published star tables ` +
    `through anime_reader (read-only; no access to schema etl)` +
    (access.passwordSet ? "; password set" : "; password unchanged"),
    `grant:limits in database "${access.database}": statement_timeout ${limits.statementTimeout}, ` +
    `idle_in_transaction_session_timeout ${limits.idleInTransactionSessionTimeout}, ` +
    `lock_timeout ${limits.lockTimeout}, ${temp}`,
  ];
}

function warnings(access: AnalystAccess): string[] {
  const lines: string[] = [];
  const major = Math.floor(access.serverVersion / 10000);
  if (access.createsInPublic) {
    lines.push(
      access.publicCreates && access.serverVersion < 150000
        ? `grant:warning role "${access.role}" can create tables in schema public (PostgreSQL ` +
          `${major} grants CREATE on it to PUBLIC by default, as every release before 15 does): ` +
          "grant CREATE on public to the ETL role, then REVOKE CREATE ON SCHEMA public FROM PUBLIC"
        : access.publicCreates
        ? `grant:warning role "${access.role}" can create tables in schema public: CREATE on it ` +
          `is granted to PUBLIC on this PostgreSQL ${major} (not the default since 15): ` +
          "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
        : `grant:warning role "${access.role}" can create tables in schema public`,
    );
  }
  if (access.tempFileLimit === "not-permitted") {
    lines.push(
      `grant:warning temp_file_limit not set for role "${access.role}", which may create ` +
        "temporary tables: only a superuser (from PostgreSQL 15 also a role granted SET ON " +
        "PARAMETER temp_file_limit) may set it; run grant-analyst as one, or REVOKE TEMPORARY ON " +
        `DATABASE "${access.database}" FROM PUBLIC`,
    );
  }
  if (access.readsAllData) {
    lines.push(
      `grant:note role "${access.role}" also reads every table, schema etl included, through ` +
        "pg_read_all_data",
    );
  }
  return lines;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
