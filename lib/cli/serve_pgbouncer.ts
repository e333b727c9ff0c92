// Owns `deno task serve:pgbouncer`: writes PgBouncer's configuration for the analyst roles and runs it.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
  usageError,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { writePgbouncerConfig } from "../serve/pgbouncer_config.ts";
import { startPgbouncer } from "../serve/pgbouncer_process.ts";
import { openDatabase, redactor } from "../targets.ts";

const HELP = {
  command: "deno task serve:pgbouncer",
  summary:
    "Writes PgBouncer's configuration (deploy/pgbouncer/pgbouncer.ini filled in, transaction " +
    "pooling on 127.0.0.1) and its auth file of the analyst roles' SCRAM-SHA-256 verifiers, both " +
    "mode 0600, then runs Debian's PgBouncer in the foreground until Ctrl-C or SIGTERM. Analysts " +
    "connect to it instead of PostgreSQL; run it again after grant-analyst adds or changes a role.",
  configuration: [
    CONFIG_FILE_HELP,
    DB_HELP + "; the role must be a superuser (it reads the verifiers from pg_authid)",
  ],
  exitCodes: [
    [0, "written (--write-only), or PgBouncer was stopped by Ctrl-C or SIGTERM"],
    [1, "failed (the pgbouncer:failed line says why)"],
    [2, "usage or configuration error"],
  ],
} as const;

const OPTIONS = {
  config: CONFIG_OPTION,
  port: { type: "string", value: "PORT", default: "6432", description: "PgBouncer's port" },
  dir: {
    type: "string",
    value: "DIR",
    default: ".data/pgbouncer",
    description: "folder of pgbouncer.ini, userlist.txt, its log and pid file",
  },
  "write-only": {
    type: "boolean",
    default: false,
    description: "write the configuration and exit, for a PgBouncer run by systemd or by hand",
  },
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return usageError(`--port must be a port from 1 to 65535, got "${values.port}"`, HELP, OPTIONS);
  }
  let redact = (text: string) => text;
  try {
    const { db, secrets } = await openDatabase(chooseConfigFile(values.config));
    redact = redactor(secrets);
    const config = await writePgbouncerConfig(db, { dir: values.dir, port });
    console.log(
      `pgbouncer:written ${config.iniPath} and ${config.authFile} (mode 0600) for ` +
        `${config.roles.length} analyst role(s): ${config.roles.map((r) => `"${r}"`).join(", ")}`,
    );
    if (config.skipped.length > 0) {
      console.log(
        `pgbouncer:warning left out (no SCRAM-SHA-256 password): ${
          config.skipped.map((r) => `"${r}"`).join(", ")
        }`,
      );
    }
    if (values["write-only"]) return 0;
    // Listening before PgBouncer starts: a SIGTERM that comes as it starts still stops it cleanly.
    let bouncer: Awaited<ReturnType<typeof startPgbouncer>> | undefined;
    let stopRequested = false;
    const stop = () => {
      stopRequested = true;
      void bouncer?.close();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    let status: Deno.CommandStatus;
    try {
      bouncer = await startPgbouncer(config);
      console.log(
        `pgbouncer:listening 127.0.0.1:${port} (database "${db.database}" on ${db.host}:${db.port}, ` +
          "transaction pooling; Ctrl-C stops it)",
      );
      if (stopRequested) await bouncer.close();
      status = await bouncer.status;
    } finally {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
    }
    console.log(`pgbouncer:stopped (exit code ${status.code})`);
    return 0;
  } catch (error) {
    console.error(failureLine("pgbouncer:failed", error, redact));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
