// Owns `deno task db:stop`: stops the embedded PostgreSQL that `deno task etl` leaves running.
import { failureLine, parseCommandLine } from "./_command_line.ts";
import { stopEmbeddedPostgres } from "../runtime/embedded_postgres.ts";

const HELP = {
  command: "deno task db:stop",
  summary: "Stops the embedded PostgreSQL (data in ./.data) that the embedded default leaves " +
    "running; the next deno task etl starts it again.",
  configuration: ["the embedded server's data folder ./.data of the working folder"],
  exitCodes: [
    [0, "stopped, or none was running"],
    [1, "it could not be stopped"],
    [2, "usage error"],
  ],
} as const;

if (import.meta.main) {
  const parsed = parseCommandLine(Deno.args, HELP, {});
  if ("exitCode" in parsed) Deno.exit(parsed.exitCode);
  try {
    const stopped = await stopEmbeddedPostgres();
    console.log(stopped ? "db:stopped embedded PostgreSQL" : "db:not-running nothing to stop");
  } catch (error) {
    console.error(failureLine("db:failed", error));
    Deno.exit(1);
  }
}
