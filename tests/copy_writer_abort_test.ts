// Tests of a COPY whose session is lost once its end was sent: postgres.js 3.4.9 never settles it,
// so only the writer's abort signal ends the wait (a run's rejects COPY on its log pool).
import assert from "node:assert/strict";
import { createClient } from "../lib/db/create_client.ts";
import { guardLostConnections } from "../lib/db/guard_lost_connections.ts";
import { CopyWriter } from "../lib/load/copy_writer.ts";
import { connectTo, freshDatabase } from "./helpers/services.ts";

Deno.test("a COPY ending on a session that is terminated gives way to its signal", async () => {
  guardLostConnections();
  const db = await freshDatabase("copyabort");
  await using admin = connectTo(db);
  // Every row waits for an advisory lock the test holds, so the COPY is still ending (its end
  // sent, the server inserting) when its session is terminated.
  await admin.unsafe(`
    create table held (id int);
    create function wait_for_test() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_lock(4343);
      perform pg_advisory_unlock(4343);
      return new;
    end $$;
    create trigger wait_for_test before insert on held for each row execute function wait_for_test();`);
  const copying = createClient(db, {
    applicationName: "copy-abort-test",
    max: 1,
    connectTimeoutSeconds: 30,
  });
  const lock = await admin.reserve();
  try {
    await lock`select pg_advisory_lock(4343)`;
    const abort = new AbortController();
    const writer = await CopyWriter.open(copying, "copy held (id) from stdin", abort.signal);
    writer.queue("1\n");
    const ending = writer.end();
    let waited = 0;
    while (true) {
      const [row] = await admin`
        select count(*)::int as n from pg_stat_activity
        where application_name = 'copy-abort-test' and wait_event_type = 'Lock'`;
      if (row!.n === 1) break;
      assert.ok(++waited < 1200, "the COPY never reached the test's lock");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // With a timeout, pg_terminate_backend returns once the backend has exited, so the client's
    // socket is closed before the test ends: postgres.js cancels the connection's lifetime timer
    // only when it sees the close, and under load a close still on its way left that timer to
    // the resource sanitizer ("a timer was started in this test, but never completed").
    const [terminated] = await admin`
      select bool_and(pg_terminate_backend(pid, 30000)) as ok from pg_stat_activity
      where application_name = 'copy-abort-test'`;
    assert.equal(terminated!.ok, true);
    const lost = new Error("the run's sessions were lost");
    abort.abort(lost);
    await assert.rejects(ending, (error) => error === lost);
  } finally {
    await lock`select pg_advisory_unlock_all()`;
    lock.release();
    await copying.end({ timeout: 0 });
  }
  const [row] = await admin`select count(*)::int as n from held`;
  assert.equal(row!.n, 0);
});
