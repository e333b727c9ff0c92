// Tests that the blocking quality checks fail on broken tables, against a real PostgreSQL.
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { migrate } from "../lib/db/migrate.ts";
import { sqlNames, sqlText } from "../lib/db/sql_files.ts";
import {
  qualityCheckDefinitions,
  runQualityCheck,
  scanFactGroups,
} from "../lib/quality/run_checks.ts";
import { connectTo, freshDatabase } from "./helpers/services.ts";

// Runs one named check against star tables filled by `fill`, inside a transaction rolled back after.
async function checkWith(
  sql: Sql,
  name: string,
  fill: (tx: Sql) => Promise<void>,
): Promise<{ status: string; observed: string }> {
  const definition = (await qualityCheckDefinitions()).find((check) => check.name === name);
  assert.ok(definition, `no quality check named ${name}`);
  let result: { status: string; observed: string } | undefined;
  await sql.begin(async (tx) => {
    await tx.unsafe(await sqlText("star/tables"));
    await fill(tx as unknown as Sql);
    result = await runQualityCheck(tx, definition, 0);
    throw new RollbackAfterCheck();
  }).catch((error) => {
    if (!(error instanceof RollbackAfterCheck)) throw error;
  });
  return result!;
}

class RollbackAfterCheck extends Error {}

async function dimensions(tx: Sql, animeIds: number[]) {
  await tx.unsafe(
    "insert into anime_watching_status values (1, 'Currently Watching'), (2, 'Completed')",
  );
  await tx.unsafe(
    "insert into anime_master (mal_id, name) select id, 'Anime ' || id from unnest($1::int[]) id",
    [animeIds],
  );
}

async function facts(tx: Sql, rows: [number, number, number][]) {
  await tx.unsafe(
    `insert into anime_list
       (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
     select user_id, anime_id, 0, status, 0, 1, 2
     from unnest($1::int[], $2::int[], $3::smallint[]) as r(user_id, anime_id, status)`,
    [rows.map((row) => row[0]), rows.map((row) => row[1]), rows.map((row) => row[2])],
  );
}

Deno.test(
  "fact_references_resolve counts every broken reference of the fact table",
  async (t) => {
    const db = await freshDatabase("quality");
    const sql = connectTo(db);
    try {
      await t.step("passes when every row resolves", async () => {
        const result = await checkWith(sql, "fact_references_resolve", async (tx) => {
          await dimensions(tx, [1, 2, 5]);
          await facts(tx, [[1, 1, 1], [1, 5, 2], [2, 2, 2]]);
        });
        assert.equal(result.status, "passed");
        assert.equal(
          result.observed,
          "0 rows with an unknown anime_id, 0 with an unknown watching_status",
        );
      });

      await t.step("fails on ids in a gap, past the largest id, zero or negative", async () => {
        const result = await checkWith(sql, "fact_references_resolve", async (tx) => {
          await dimensions(tx, [1, 2, 5]);
          await facts(tx, [[1, 1, 1], [1, 3, 1], [1, 6, 1], [1, 0, 1], [1, -4, 2], [2, 5, 4]]);
        });
        assert.equal(result.status, "failed");
        assert.equal(
          result.observed,
          "4 rows with an unknown anime_id, 1 with an unknown watching_status",
        );
      });

      await t.step("ids past the lookup array's cap are still checked", async () => {
        const result = await checkWith(sql, "fact_references_resolve", async (tx) => {
          await dimensions(tx, [1, 2_000_000_000]);
          await facts(tx, [
            [1, 1, 1],
            [1, 3, 1],
            [1, 2_000_000_000, 1],
            [1, 1_999_999_999, 1],
            [1, 2_147_483_647, 2],
          ]);
        });
        assert.equal(result.status, "failed");
        assert.equal(
          result.observed,
          "3 rows with an unknown anime_id, 0 with an unknown watching_status",
        );
      });

      await t.step("an empty anime table leaves every fact row unresolved", async () => {
        const result = await checkWith(sql, "fact_references_resolve", async (tx) => {
          await dimensions(tx, []);
          await facts(tx, [[1, 1, 1], [2, 1, 2]]);
        });
        assert.equal(result.status, "failed");
        assert.equal(
          result.observed,
          "2 rows with an unknown anime_id, 0 with an unknown watching_status",
        );
      });
    } finally {
      await sql.end();
    }
  },
);

// etl.run_files and etl.rejects of run 0 for four files, one of which (animelist.csv) quarantined
// one record of three lines; `change` alters the bookkeeping before the check runs.
async function bookkeeping(tx: Sql, change: string) {
  await dimensions(tx, [1, 2]);
  await facts(tx, [[1, 1, 1], [1, 2, 2]]);
  await tx.unsafe("insert into anime_synopsis values (1, 'A synopsis')");
  await tx.unsafe("insert into etl.runs (run_id) overriding system value values (0)");
  await tx.unsafe(`
    insert into etl.run_files (run_id, source_file, bucket, source_key, etag, size_bytes,
      rows_read, rows_loaded, rows_quarantined,
      lines_total, lines_header, lines_loaded, lines_quarantined, lines_blank)
    values (0, 'watching_status.csv', 'b', 'p/watching_status.csv', '"e"', 1, 2, 2, 0, 3, 1, 2, 0, 0),
      (0, 'anime.csv', 'b', 'p/anime.csv', '"e"', 1, 2, 2, 0, 4, 1, 2, 0, 1),
      (0, 'anime_with_synopsis.csv', 'b', 'p/anime_with_synopsis.csv', '"e"', 1, 1, 1, 0, 3, 1, 2, 0, 0),
      (0, 'animelist.csv', 'b', 'p/animelist.csv', '"e"', 1, 3, 2, 1, 6, 1, 2, 3, 0)`);
  await tx.unsafe(`
    insert into etl.rejects (run_id, source_key, line_number, line_count, reason, detail, raw)
    values (0, 'p/animelist.csv', 3, 3, 'unknown_anime_id', 'anime_id 9 is not in anime.csv',
      E'1,9,"a\\nb\\nc",2,1')`);
  if (change !== "") await tx.unsafe(change);
}

Deno.test(
  "counts_reconcile checks the rows, the lines and the stored rejects of every file",
  async (t) => {
    const db = await freshDatabase("quality");
    const sql = connectTo(db);
    try {
      await migrate(sql);
      const cases = [
        { name: "everything adds up", change: "", status: "passed" },
        {
          name: "a file whose lines do not add up",
          change: "update etl.run_files set lines_total = 7 where source_file = 'animelist.csv'",
          status: "failed",
        },
        {
          name: "quarantined lines that the stored rejects do not cover",
          change: "update etl.rejects set line_count = 1",
          status: "failed",
        },
        {
          name: "a quarantined row missing from etl.rejects",
          change: "delete from etl.rejects",
          status: "failed",
        },
        {
          name: "a table that holds other rows than its file loaded",
          change: "delete from anime_synopsis",
          status: "failed",
        },
      ];
      for (const { name, change, status } of cases) {
        await t.step(name, async () => {
          const result = await checkWith(sql, "counts_reconcile", (tx) => bookkeeping(tx, change));
          assert.equal(result.status, status, result.observed);
        });
      }
      await t.step("the observed text shows each file's lines", async () => {
        const result = await checkWith(sql, "counts_reconcile", (tx) => bookkeeping(tx, ""));
        assert.match(
          result.observed,
          /animelist\.csv: read 3 = loaded 2 \+ quarantined 1 \(stored 1\), table 2; lines 6 = header 1 \+ loaded 2 \+ quarantined 3 \(stored 3\) \+ blank 0/,
        );
      });
    } finally {
      await sql.end();
    }
  },
);

// etl.run_files and etl.rejects of run 0: the snapshot (source 1, 2 rows) and two deltas, the first
// of which quarantined 2 of its 3 lines and inserted the third, the second inserted its one line.
async function deltaBookkeeping(tx: Sql, change: string) {
  await tx.unsafe("insert into etl.runs (run_id) overriding system value values (0)");
  await tx.unsafe(`
    insert into etl.run_files (run_id, source_file, bucket, source_key, etag, size_bytes,
      rows_read, rows_loaded, rows_quarantined,
      lines_total, lines_header, lines_loaded, lines_quarantined, lines_blank, source_id,
      rows_inserted, rows_updated, rows_removed, absent_removals, rows_superseded, rows_displaced,
      list_rows)
    values (0, 'animelist.csv', 'b', 'p/animelist.csv', '"e"', 1, 2, 2, 0, 3, 1, 2, 0, 0, 1,
        null, null, null, null, null, null, 2),
      (0, 'animelist_updates/d1.csv', 'b', 'p/animelist_updates/d1.csv', '"e"', 1, 3, 1, 2,
        4, 1, 1, 2, 0, 2, 1, 0, 0, 0, 0, 0, 3),
      (0, 'animelist_updates/d2.csv', 'b', 'p/animelist_updates/d2.csv', '"e"', 1, 1, 1, 0,
        2, 1, 1, 0, 0, 3, 1, 0, 0, 0, 0, 0, 4)`);
  await tx.unsafe(`
    insert into etl.rejects (run_id, source_key, line_number, line_count, reason, detail, raw)
    values (0, 'p/animelist_updates/d1.csv', 2, 1, 'unknown_anime_id', 'anime_id 9', '1,9,0,1,0'),
      (0, 'p/animelist_updates/d1.csv', 3, 1, 'unknown_anime_id', 'anime_id 8', '1,8,0,1,0')`);
  if (change !== "") await tx.unsafe(change);
}

Deno.test("deltas_reconcile compares each delta's quarantined rows with its own stored rejects", async (t) => {
  const db = await freshDatabase("quality");
  const sql = connectTo(db);
  try {
    await migrate(sql);
    const cases = [
      { name: "everything adds up", change: "", status: "passed" },
      {
        name: "a quarantined row missing from etl.rejects",
        change: "delete from etl.rejects where line_number = 3",
        status: "failed",
      },
      {
        name: "a reject stored under the other delta's key",
        change: "update etl.rejects set source_key = 'p/animelist_updates/d2.csv' " +
          "where line_number = 3",
        status: "failed",
      },
      {
        name: "a delta's rows that do not follow from the one before",
        change: "update etl.run_files set list_rows = 5 where source_id = 3",
        status: "failed",
      },
    ];
    for (const { name, change, status } of cases) {
      await t.step(name, async () => {
        const result = await checkWith(
          sql,
          "deltas_reconcile",
          (tx) => deltaBookkeeping(tx, change),
        );
        assert.equal(result.status, status, result.observed);
      });
    }
    await t.step("the observed text shows each delta's stored rejects", async () => {
      const result = await checkWith(sql, "deltas_reconcile", (tx) => deltaBookkeeping(tx, ""));
      assert.match(result.observed, /d1\.csv: read 3 = .* quarantined 2 \(stored 2\); rows 2 -> 3/);
      assert.match(result.observed, /d2\.csv: read 1 = .* quarantined 0 \(stored 0\); rows 3 -> 4/);
    });
  } finally {
    await sql.end();
  }
});

Deno.test("every quality check has a number and a name of its own, and runs in number order", async () => {
  const files = (await sqlNames("quality")).map((name) => name.split("/").pop()!);
  const numbers = files.map((file) => /^(\d+)_/.exec(file)?.[1]);
  assert.ok(numbers.every((number) => number !== undefined), files.join(", "));
  assert.equal(new Set(numbers).size, files.length, `numbers shared: ${files.join(", ")}`);
  const names = (await qualityCheckDefinitions()).map((check) => check.name);
  assert.equal(new Set(names).size, names.length, names.join(", "));
  assert.deepEqual(numbers.map(Number), numbers.map((_, i) => i + 1));
});

Deno.test("aggregates_match_facts reads each aggregate table once", async () => {
  // Each figure appears twice in the result (observed and passed): with the figures' subqueries
  // inlined, genre_stats' comparison ran twice (sql/quality/13_aggregates_match_facts.sql).
  const definition = (await qualityCheckDefinitions()).find((check) =>
    check.name === "aggregates_match_facts"
  );
  assert.ok(definition);
  const db = await freshDatabase("quality");
  await using sql = connectTo(db);
  await sql.begin(async (tx) => {
    await tx.unsafe(await sqlText("star/tables"));
    await scanFactGroups(tx);
    const plan = (await tx.unsafe<{ "QUERY PLAN": string }[]>(
      `explain (costs off) ${definition.query}`,
    )).map((row) => row["QUERY PLAN"]).join("\n");
    for (const table of ["anime_status_stats", "anime_stats", "genre_stats", "fact_groups"]) {
      const scans = plan.match(new RegExp(`Scan on ${table}\\b`, "g"))?.length ?? 0;
      assert.equal(scans, 1, `${table} read ${scans} times:\n${plan}`);
    }
  });
});
