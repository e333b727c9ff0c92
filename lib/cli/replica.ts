// Owns `deno task replica:start` and `deno task replica:stop`: a hot standby of the embedded server.
import { failureExitCode, failureLine, parseCommandLine, usageError } from "./_command_line.ts";
import { EMBEDDED_DEFAULTS } from "../embedded/embedded_postgres.ts";
import { startEmbeddedReplica, stopEmbeddedReplica } from "../embedded/embedded_replica.ts";
import { embeddedPort } from "../targets.ts";

const CONFIGURATION = [
  "the embedded server's data folder ./.data of the working folder; the standby lives in " +
  "./.data/replica, the replication role's password in ./.data/replica-password (mode 0600)",
  "ETL_EMBEDDED_PORT: the primary's port (default 54329)",
  "ETL_EMBEDDED_REPLICAS: standbys the primary feeds; it must run with wal_level=replica, so set " +
  "it (e.g. 1) for every command that may start the embedded server",
] as const;

const START_HELP = {
  command: "deno task replica:start",
  summary: "Creates (first time: replication role, slot, base backup with pg_backup_start and " +
    "pg_backup_stop and a file copy, standby.signal, primary_conninfo) and starts a hot standby " +
    "of the embedded PostgreSQL, streaming from it. Analyst roles of grant-analyst log in there " +
    "as on the primary, read-only.",
  configuration: CONFIGURATION,
  exitCodes: [
    [0, "the standby runs (replica:started line with its port)"],
    [1, "it could not be made or started, or the primary runs with wal_level=minimal"],
    [2, "usage error, or an invalid ETL_EMBEDDED_PORT or ETL_EMBEDDED_REPLICAS"],
  ],
} as const;

const STOP_HELP = {
  command: "deno task replica:stop",
  summary: "Stops the embedded server's hot standby if it runs; with --remove also deletes it " +
    "and drops its replication slot on the primary (a kept slot holds WAL back for it).",
  configuration: CONFIGURATION,
  exitCodes: [
    [0, "stopped, or none was running"],
    [1, "it could not be stopped or removed"],
    [2, "usage error, or an invalid ETL_EMBEDDED_PORT"],
  ],
} as const;

const START_OPTIONS = {
  port: {
    type: "string",
    value: "PORT",
    defaultText: "the primary's port + 1",
    description: "port of the standby on 127.0.0.1",
  },
} as const;

const STOP_OPTIONS = {
  remove: {
    type: "boolean",
    default: false,
    description: "delete the standby and drop its slot on the primary",
  },
} as const;

async function start(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, START_HELP, START_OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  try {
    const primaryPort = embeddedPort();
    const text = parsed.values.port;
    const port = text === undefined ? primaryPort + 1 : Number(text);
    if (!Number.isInteger(port) || port < 1 || port > 65535 || port === primaryPort) {
      return usageError(
        `--port must be a port from 1 to 65535 other than the primary's, got "${text}"`,
        START_HELP,
        START_OPTIONS,
      );
    }
    const replica = await startEmbeddedReplica({
      rootDir: EMBEDDED_DEFAULTS.rootDir,
      primaryPort,
      port,
    });
    console.log(
      `replica:started hot standby of 127.0.0.1:${primaryPort} on 127.0.0.1:${replica.port} ` +
        `(${replica.created ? "made from a base backup" : "existing"}, ${replica.dataDir})`,
    );
    return 0;
  } catch (error) {
    console.error(failureLine("replica:failed", error));
    return failureExitCode(error);
  }
}

async function stop(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, STOP_HELP, STOP_OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  try {
    const primaryPort = embeddedPort();
    const stopped = await stopEmbeddedReplica({
      rootDir: EMBEDDED_DEFAULTS.rootDir,
      primaryPort,
      remove: parsed.values.remove,
    });
    console.log(
      (stopped ? "replica:stopped the standby" : "replica:not-running no standby was running") +
        (parsed.values.remove ? "; removed it and its slot" : ""),
    );
    return 0;
  } catch (error) {
    console.error(failureLine("replica:failed", error));
    return failureExitCode(error);
  }
}

if (import.meta.main) {
  const [action, ...rest] = Deno.args;
  Deno.exit(
    action === "stop" ? await stop(rest) : await start(action === "start" ? rest : Deno.args),
  );
}
