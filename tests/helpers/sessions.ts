// Owns sessions that play analysts against a run: one holding a transaction open, readers querying
// in a loop on their own connections (timing every query), and waiting for a run's lock request.
import type { Sql } from "postgres";
import type { DbSettings } from "../../lib/config/settings.ts";
import { createClient } from "../../lib/db/create_client.ts";
import { connectTo } from "./services.ts";

/** The application_name of {@link holdTransaction}'s session unless given. */
export const LONG_READER = "analyst-long-read";

/** A session that ran `statement` in a transaction it keeps open until released. */
export interface HeldTransaction extends AsyncDisposable {
  pid: number;
  release(): void;
  /** Settles when the transaction ends: `committed`, or the error that ended it. */
  ended: Promise<"committed" | Error>;
}

export async function holdTransaction(
  db: DbSettings,
  statement: string,
  applicationName = LONG_READER,
): Promise<HeldTransaction> {
  const sql = createClient(db, { applicationName, max: 1, connectTimeoutSeconds: 30 });
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  let opened: (pid: number) => void = () => {};
  const pid = new Promise<number>((resolve) => opened = resolve);
  const ended = sql.begin(async (tx) => {
    await tx.unsafe(statement);
    const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
    opened(row!.pid);
    await gate;
  }).then(() => "committed" as const, (error: Error) => error);
  const first = await Promise.race([pid, ended]);
  if (typeof first !== "number") {
    await sql.end();
    throw new Error(`Cannot hold a transaction: ${first}`);
  }
  return {
    pid: first,
    release,
    ended,
    async [Symbol.asyncDispose]() {
      release();
      await ended;
      await sql.end({ timeout: 1 });
    },
  };
}

/** Readers querying anime_list in a loop, each on its own connection, timing every query. */
export async function readLoop(db: DbSettings, readers = 3) {
  const clients: Sql[] = Array.from(
    { length: readers },
    () => createClient(db, { applicationName: "analyst-loop", max: 1, connectTimeoutSeconds: 30 }),
  );
  let running = true;
  let worstMs = 0;
  let queries = 0;
  // Connect first, so a connection's start is not counted as a query's wait.
  await Promise.all(clients.map((sql) => sql`select 1`));
  const loops = clients.map(async (sql) => {
    while (running) {
      const started = performance.now();
      await sql`select count(*)::int as n, sum(rating)::int as total from public.anime_list`;
      worstMs = Math.max(worstMs, performance.now() - started);
      queries++;
    }
  });
  return {
    async stop(): Promise<{ worstMs: number; queries: number }> {
      running = false;
      try {
        await Promise.all(loops);
      } finally {
        await Promise.all(clients.map((sql) => sql.end({ timeout: 1 })));
      }
      return { worstMs, queries };
    },
  };
}

/** Runs `work` while readers query in a loop; returns its value and the readers' worst wait. */
export async function whileReading<T>(
  db: DbSettings,
  work: () => Promise<T>,
  readers = 3,
): Promise<{ value: T; worstMs: number; queries: number }> {
  const loop = await readLoop(db, readers);
  const outcome = await work().then((value) => ({ value }), (error: unknown) => ({ error }));
  const timings = await loop.stop();
  if ("error" in outcome) throw outcome.error;
  return { value: outcome.value, ...timings };
}

/** Whether session `pid` is still in its open transaction. */
export async function stillOpen(db: DbSettings, pid: number): Promise<boolean> {
  await using sql = connectTo(db);
  const [row] = await sql`select state from pg_stat_activity where pid = ${pid}`;
  return row?.state === "idle in transaction";
}

/** Polls until a session waits for ACCESS EXCLUSIVE on public.anime_list (a swap in progress). */
export async function lockRequestWaits(db: DbSettings, running: Promise<unknown>): Promise<void> {
  const sql = connectTo(db);
  try {
    let settled = false;
    running.then(() => settled = true, () => settled = true);
    const deadline = performance.now() + 120_000;
    while (!settled && performance.now() < deadline) {
      const [row] = await sql`
        select count(*)::int as n from pg_locks
        where not granted and relation = to_regclass('public.anime_list')
          and mode = 'AccessExclusiveLock'`;
      if (row!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("the run never waited for the lock on public.anime_list");
  } finally {
    await sql.end();
  }
}
