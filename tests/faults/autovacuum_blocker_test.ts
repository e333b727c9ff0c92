// The short lock attempts against VACUUM, with real sessions on a real PostgreSQL: an autovacuum
// worker holding a table (a slow, cost-limited one the launcher really starts) is cancelled and the
// locks are taken, where the 200 ms attempts alone never reach the deadlock_timeout after which
// PostgreSQL would cancel it; a manual VACUUM in an analyst's session is not cancelled but named.
import assert from "node:assert/strict";
import { withShortLocks } from "../../lib/db/with_short_locks.ts";
import { PipelineError } from "../../lib/errors.ts";
import { connectTo, freshDatabase } from "../helpers/services.ts";
import { createClient } from "../../lib/db/create_client.ts";

// A table whose VACUUM takes about a minute: every page costs more than the cost limit, so the
// vacuum sleeps its cost delay (100 ms) after each of the ~450 pages of 100,000 deleted rows.
const SLOW_TABLE = `
  create table public.vacuum_target (id integer, pad text) with (
    autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1);
  insert into public.vacuum_target select i, 'x' from generate_series(1, 100000) as i;
  delete from public.vacuum_target;`;

const LOCK = "lock table public.vacuum_target in access exclusive mode";

Deno.test("an autovacuum worker holding a published table is cancelled; a manual VACUUM is named", async (t) => {
  const db = await freshDatabase("autovacuum");
  await using sql = connectTo(db);
  await sql.unsafe(SLOW_TABLE);

  await t.step("the autovacuum worker is cancelled and the locks are taken", async () => {
    // The launcher visits each database once per autovacuum_naptime (60 s by default), but only
    // while one of its three workers is free: in the whole parallel suite (the shared test cluster's
    // other databases, most likely) none took it within 180 s (clean clone, 2 cores): 5 minutes.
    let worker: number | undefined;
    for (let waited = 0; worker === undefined; waited++) {
      assert.ok(waited < 600, "no autovacuum worker took the table within 300 s");
      const [row] = await sql<{ pid: number }[]>`
        select a.pid from pg_locks as l join pg_stat_activity as a using (pid)
        where l.relation = 'public.vacuum_target'::regclass and l.granted
          and a.backend_type = 'autovacuum worker'`;
      worker = row?.pid;
      if (worker === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const events: string[] = [];
    const result = await sql.begin((tx) =>
      withShortLocks(tx, (sp) => sp.unsafe(LOCK), {
        action: "Cannot publish run 1",
        tables: ["public.vacuum_target"],
        mode: "ACCESS EXCLUSIVE",
        waitSeconds: 20,
        event: (text) => events.push(text),
      })
    );
    assert.deepEqual(result.cancelledAutovacuums.map((holder) => holder.pid), [worker]);
    assert.ok(result.attempts >= 2, `attempts ${result.attempts}`);
    assert.ok(
      events.includes(
        `publish:cancelled autovacuum worker pid ${worker}: it held a lock on a published table; ` +
          "PostgreSQL runs it again later",
      ),
      events.join("\n"),
    );
  });

  await t.step("a manual VACUUM in another session is named, not cancelled", async () => {
    // A table of its own that autovacuum leaves alone, so only the analyst's VACUUM takes it.
    await sql.unsafe(`
      create table public.manual_target (id integer, pad text) with (autovacuum_enabled = false);
      insert into public.manual_target select i, 'x' from generate_series(1, 100000) as i;
      delete from public.manual_target;`);
    const analyst = createClient(db, { applicationName: "analyst-vacuum", max: 1 });
    try {
      const [{ pid }] = await analyst<[{ pid: number }]>`select pg_backend_pid() as pid`;
      await analyst`set vacuum_cost_delay = 100`;
      await analyst`set vacuum_cost_limit = 1`;
      const vacuum = analyst`vacuum public.manual_target`.then(
        () => "finished",
        (error: Error) => error.message,
      );
      for (let waited = 0;; waited++) {
        assert.ok(waited < 100, "the manual VACUUM never took the table");
        const [row] = await sql`
          select 1 from pg_locks
          where relation = 'public.manual_target'::regclass and pid = ${pid} and granted`;
        if (row) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const failure = await sql.begin((tx) =>
        withShortLocks(
          tx,
          (sp) => sp.unsafe("lock table public.manual_target in access exclusive mode"),
          {
            action: "Cannot publish run 2",
            tables: ["public.manual_target"],
            mode: "ACCESS EXCLUSIVE",
            waitSeconds: 1,
          },
        )
      ).then(() => undefined, (error: unknown) => error);
      assert.ok(failure instanceof PipelineError, String(failure));
      assert.equal(failure.code, "PUBLISH_BLOCKED");
      assert.match(
        failure.message,
        new RegExp(`held by pid ${pid} \\(user "[^"]+", application "analyst-vacuum", `),
      );
      await sql`select pg_cancel_backend(${pid})`;
      assert.match(await vacuum, /canceling statement due to user request/);
    } finally {
      await analyst.end({ timeout: 1 });
    }
  });
});
