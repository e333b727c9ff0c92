// Tests for sql/queries/user_list.sql: one user's list with anime names, answered from anime_list's
// primary key (an index range, never a scan of the fact table).
import assert from "node:assert/strict";
import { sqlText } from "../lib/db/sql_files.ts";
import { runQuery } from "../lib/report/queries/run_query.ts";
import { connectTo, startTestStore } from "./helpers/services.ts";
import { publishGenerated } from "./helpers/generated_published.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

Deno.test("user_list returns one user's list by the primary key of anime_list", async (t) => {
  await using store = await startTestStore();
  const { db } = await publishGenerated(store, { label: "userlist", animelistRows: 20_000 });
  await using sql = connectTo(db);
  const [user] = await sql<{ user_id: number; n: number }[]>`
    select user_id, count(*)::int as n from anime_list group by user_id order by n desc limit 1`;

  await t.step("every entry of the user, with its name and status", async () => {
    const rows = await runQuery(sql, "user_list", [user!.user_id]);
    assert.equal(rows.length, user!.n);
    const [expected] = await sql<{ n: number }[]>`
      select count(*)::int as n from anime_list l join anime_master m on m.mal_id = l.anime_id
      where l.user_id = ${user!.user_id}`;
    assert.equal(rows.length, expected!.n);
    assert.deepEqual(Object.keys(rows[0]!), [
      "mal_id",
      "name",
      "rating",
      "watching_status",
      "status",
      "watched_episodes",
    ]);
    const ids = rows.map((row) => row.mal_id as number);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.deepEqual(await runQuery(sql, "user_list", [-1]), []);
  });

  await t.step(
    "EXPLAIN: an index scan of anime_list_pkey, no sequential scan of anime_list",
    async () => {
      const [row] = await sql.unsafe<{ "QUERY PLAN": [{ Plan: PlanNode }] }[]>(
        `explain (format json) ${await sqlText("queries/user_list")}`,
        [user!.user_id],
      );
      const plan = nodes(row!["QUERY PLAN"][0].Plan);
      const onList = plan.filter((node) => node["Relation Name"] === "anime_list");
      assert.ok(onList.length > 0, JSON.stringify(plan));
      for (const node of onList) {
        assert.notEqual(node["Node Type"], "Seq Scan", JSON.stringify(plan));
      }
      assert.ok(
        plan.some((node) =>
          /Index/.test(node["Node Type"]) && node["Index Name"] === "anime_list_pkey"
        ),
        JSON.stringify(plan),
      );
    },
  );
});
