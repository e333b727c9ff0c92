// Tests that the blocking quality checks fail on broken tables, against a real PostgreSQL.
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { sqlText } from "../lib/load/sql_files.ts";
import { qualityCheckDefinitions, runQualityCheck } from "../lib/quality/run_checks.ts";
import { connectTo, freshDatabase } from "./helpers/services.ts";

const SERVICES = { sanitizeOps: false, sanitizeResources: false };

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

async function facts(tx: Sql, rows: [number, number, number | null][]) {
  await tx.unsafe(
    `insert into anime_list (user_id, anime_id, rating, watching_status, watched_episodes)
     select user_id, anime_id, 0, status, 0
     from unnest($1::int[], $2::int[], $3::smallint[]) as r(user_id, anime_id, status)`,
    [rows.map((row) => row[0]), rows.map((row) => row[1]), rows.map((row) => row[2])],
  );
}

Deno.test(
  "fact_references_resolve counts every broken reference of the fact table",
  SERVICES,
  async (t) => {
    const db = await freshDatabase("quality");
    const sql = connectTo(db);
    try {
      await t.step("passes when every row resolves, null statuses included", async () => {
        const result = await checkWith(sql, "fact_references_resolve", async (tx) => {
          await dimensions(tx, [1, 2, 5]);
          await facts(tx, [[1, 1, 1], [1, 5, 2], [2, 2, null]]);
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
          await facts(tx, [[1, 1, 1], [2, 1, null]]);
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
