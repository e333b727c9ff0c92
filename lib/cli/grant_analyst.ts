// Owns `deno task grant-analyst`: a read-only login role for analysts on the configured database.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { grantAnalyst } from "../security/grant_analyst.ts";
import { openDatabase, redactor } from "../targets.ts";

const HELP = {
  command: "deno task grant-analyst",
  summary: "Creates or updates a read-only login role for analysts: a member of anime_reader, " +
    "which reads the published star tables and nothing in schema etl.",
  configuration: [
    CONFIG_FILE_HELP,
    DB_HELP + "; run it as the database owner or a superuser",
    "the password: the environment variable named by --password-env",
  ],
  exitCodes: [
    [0, "done"],
    [1, "failed or refused (the grant:failed line says why)"],
    [2, "usage or configuration error"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
    role: {
      type: "string",
      value: "NAME",
      required: true,
      description: "login role to create or update",
    },
    "password-env": {
      type: "string",
      value: "VAR",
      description: "environment variable holding its password; without it the password is kept",
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (!values.role) {
    console.error("Missing --role NAME: the role must have a name (--help lists the options)");
    return 2;
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
    const { db, secrets } = await openDatabase({
      ...chooseConfigFile(values.config),
      log: (line) => console.error(line),
    });
    configured = true;
    redact = redactor([...secrets, ...(password ? [password] : [])]);
    const access = await grantAnalyst(db, {
      role: values.role,
      ...(password ? { password } : {}),
    });
    console.log(
      `grant:analyst role "${access.role}" reads ${access.starTables} published star tables ` +
        `through anime_reader (read-only; no access to schema etl)` +
        (access.passwordSet ? "; password set" : "; password unchanged"),
    );
    if (access.createsInPublic) {
      console.error(
        `grant:warning role "${access.role}" can create tables in schema public (PostgreSQL < 15 ` +
          `default): grant CREATE on public to the ETL role, then REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
      );
    }
    if (!access.readsStar || access.writesStar || access.reachesEtl) {
      console.error(`grant:failed role "${access.role}" did not end up read-only`);
      return 1;
    }
    return 0;
  } catch (error) {
    console.error(failureLine("grant:failed", error, redact));
    // Past the configuration, a refusal or a database error is a failure (1), not a usage error.
    return configured ? 1 : failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
