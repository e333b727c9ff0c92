// Owns `deno task grant-analyst`: a read-only login role for analysts on the configured database.
import { parseCommandLine } from "./_command_line.ts";
import { errorMessage } from "../errors.ts";
import { grantAnalyst } from "../security/grant_analyst.ts";
import { openDatabase, redactor } from "../targets.ts";

const USAGE = "usage: deno task grant-analyst [--config FILE] --role NAME [--password-env VAR]";

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, USAGE, {
    config: { type: "string", default: "./credentials.cfg" },
    role: { type: "string" },
    "password-env": { type: "string" },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  if (!values.role) {
    console.error(`Missing --role NAME\n${USAGE}`);
    return 2;
  }
  const passwordVariable = values["password-env"];
  const password = passwordVariable === undefined ? undefined : Deno.env.get(passwordVariable);
  if (passwordVariable !== undefined && !password) {
    console.error(`Cannot read the password: environment variable ${passwordVariable} is not set`);
    return 2;
  }
  let redact = (text: string) => text;
  try {
    const { db, secrets } = await openDatabase({
      configPath: values.config,
      log: (line) => console.error(line),
    });
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
    console.error(redact(`grant:failed ${errorMessage(error)}`));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
