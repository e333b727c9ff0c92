// Notebook 04's "one day" against the real demo store (s3rver in a temporary folder) and the test
// PostgreSQL: addNextDay adds the demo's next delta, the run applies it incrementally, and the
// notebook's queries show the rows it set and its time beside the full refresh's.
import assert from "node:assert/strict";
import { startDemoStore } from "../lib/embedded/demo_store.ts";
import { addNextDay } from "../lib/report/day/next_day.ts";
import { runQuery } from "../lib/report/queries/run_query.ts";
import { runEtl } from "../lib/run_etl.ts";
import { connectTo, freshDatabase, targetsFor } from "./helpers/services.ts";

Deno.test("addNextDay adds the demo's next day; the run applies it and the queries show it", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "next-day-" });
  const store = await startDemoStore({ rootDir: `${cwd}/.data`, log: () => {} });
  try {
    const db = await freshDatabase("day");
    const targets = targetsFor(store.s3, db, 0.6);
    const first = await runEtl(targets);
    assert.equal(first.kind, "full", first.error?.message);
    const day = await addNextDay({ demoStore: store });
    assert.match(day.key!, /animelist_updates\/\d{4}-\d{2}-\d{2}\.csv$/);
    assert.match(day.text, /^Added s3:\/\/.+ \(as of \d{4}-\d{2}-\d{2}\): [\d,]+ rows/);
    const daily = await runEtl(targets);
    assert.equal(daily.status, "succeeded", daily.error?.message);
    assert.equal(daily.kind, "incremental", daily.reason);
    assert.deepEqual(daily.files.filter((file) => file.delta).map((file) => file.key), [day.key]);
    await using sql = connectTo(db);
    const changed = await runQuery(sql, "day_changed_rows", [daily.runId, 5]);
    assert.equal(changed.length, 5);
    assert.ok(changed.every((row) => row.set_by === day.key), JSON.stringify(changed));
    const timing = await runQuery(sql, "run_beside_full", [daily.runId]);
    assert.deepEqual(timing.map((row) => [row.run_id, row.kind]), [
      [first.runId, "full"],
      [daily.runId, "incremental"],
    ]);
    assert.ok(timing.every((row) => Number(row.seconds) >= 0));
    // Per delta, the counts the run recorded; they reconcile with the lines read.
    const [counts, ...others] = await runQuery(sql, "day_delta_counts", [daily.runId]);
    assert.equal(others.length, 0);
    const delta = daily.files.find((file) => file.key === day.key)!.delta!;
    assert.deepEqual(
      [counts!.source_key, counts!.inserted, counts!.updated, counts!.removed, counts!.list_rows],
      [day.key, delta.inserted, delta.updated, delta.removed, delta.listRows],
    );
    const parts = [
      "inserted",
      "updated",
      "removed",
      "absent_removals",
      "superseded",
      "quarantined",
    ];
    assert.equal(parts.reduce((sum, part) => sum + Number(counts![part]), 0), counts!.rows_read);
    // What is published now is the day's run; the full refresh's figures are the first run's.
    const [published] = await runQuery(sql, "latest_published_run");
    assert.deepEqual([published!.run_id, published!.kind], [daily.runId, "incremental"]);
    const [full] = await runQuery(sql, "latest_full_refresh");
    assert.equal(full!.run_id, first.runId);
    // Configured targets are never written.
    const configured = await addNextDay({});
    assert.equal(configured.key, undefined);
    assert.match(configured.text, /never writes your bucket/);
  } finally {
    await store.close();
    await Deno.remove(cwd, { recursive: true });
  }
});
