// Owns `deno task db:stop`: stops the embedded PostgreSQL of this folder's .data/ on ETL_EMBEDDED_PORT.
import { join, resolve } from "node:path";
import { failureExitCode, failureLine, parseCommandLine } from "./_command_line.ts";
import { EMBEDDED_DEFAULTS, stopEmbeddedPostgres } from "../embedded/embedded_postgres.ts";
import { readEmbeddedServerPort } from "../embedded/embedded_server_port.ts";
import { embeddedPort } from "../targets.ts";

const HELP = {
  command: "deno task db:stop",
  summary: "Stops the embedded PostgreSQL (data in ./.data) that the embedded default leaves " +
    "running, if it runs on ETL_EMBEDDED_PORT; a server of that folder on another port is named, " +
    "not stopped. The next deno task etl starts it again.",
  configuration: [
    "the embedded server's data folder ./.data of the working folder",
    "ETL_EMBEDDED_PORT: the port of the server to stop (default 54329)",
  ],
  exitCodes: [
    [0, "stopped, or none was running on that port"],
    [1, "it could not be stopped"],
    [2, "usage error, or an invalid ETL_EMBEDDED_PORT"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {});
  if ("exitCode" in parsed) return parsed.exitCode;
  try {
    const rootDir = EMBEDDED_DEFAULTS.rootDir;
    const port = embeddedPort();
    const dataDir = join(resolve(rootDir), "postgres");
    // One data folder holds one server: if it was started on another port, that is not the server
    // asked for, and stopping it would take down something else (e.g. the developer's database).
    const running = await readEmbeddedServerPort(rootDir);
    if (running !== undefined && running !== port) {
      console.log(
        `db:not-running no embedded PostgreSQL on port ${port} in ${dataDir}: the server of that ` +
          `folder was started on port ${running} (ETL_EMBEDDED_PORT=${running} deno task db:stop stops it)`,
      );
      return 0;
    }
    const stopped = await stopEmbeddedPostgres({ rootDir, port });
    console.log(
      stopped
        ? `db:stopped embedded PostgreSQL on port ${port} (${dataDir})`
        : `db:not-running no embedded PostgreSQL on port ${port} in ${dataDir}: nothing to stop`,
    );
    return 0;
  } catch (error) {
    console.error(failureLine("db:failed", error));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
