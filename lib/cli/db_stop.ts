// Owns `deno task db:stop`: stops the embedded PostgreSQL that `deno task etl` leaves running.
import { stopEmbeddedPostgres } from "../runtime/embedded_postgres.ts";

if (import.meta.main) {
  const stopped = await stopEmbeddedPostgres();
  console.log(stopped ? "db:stopped embedded PostgreSQL" : "db:not-running nothing to stop");
}
