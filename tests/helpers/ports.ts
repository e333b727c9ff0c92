// Owns the ports of the servers tests start. Each comes from a TEST_* variable, so that checkouts
// testing side by side on one machine never meet; the defaults stay apart from the embedded
// default's 54329.

/** The shared test cluster (`testPostgres`). */
export const TEST_PG_PORT = Number(Deno.env.get("TEST_PG_PORT") ?? 54339);

/** The embedded default that `deno task etl` starts in the CLI tests. */
export const TEST_EMBEDDED_PORT = Number(Deno.env.get("TEST_EMBEDDED_PORT") ?? 54349);

/** The bench's own embedded server: next to the CLI tests', so the two never share a cluster. */
export const TEST_BENCH_PORT = TEST_EMBEDDED_PORT + 1;

/** The scheduler test's own embedded server, which the tests stop and start. */
export const TEST_SCHEDULER_DB_PORT = Number(Deno.env.get("TEST_SCHEDULER_DB_PORT") ?? 55469);

/** A port nothing listens on until the scheduler test forwards it to the test cluster. */
export const TEST_SCHEDULER_LATE_PORT = Number(Deno.env.get("TEST_SCHEDULER_LATE_PORT") ?? 55479);

/**
 * The port named by a variable, else one free right now (so it never meets the embedded default,
 * the test cluster or another test run).
 *
 * @param name E.g. `TEST_NOTEBOOK_PORT`.
 */
export function portFromEnv(name: string): number {
  const fromEnv = Deno.env.get(name);
  if (fromEnv) return Number(fromEnv);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
