// Measures the statements that could merge one delta into anime_list, on the test cluster:
//   deno run --allow-all tests/measure/merge_statements.ts [--rows 8000000] [--delta 80000]
// A table of --rows rows with its primary key, then a delta of --delta final events (60% updates,
// 35% new pairs, 5% removals), staged sorted and analysed as a run stages it. Each candidate runs
// in a transaction that is rolled back (then the table is vacuumed), three interleaved rounds, best
// of three. Prints seconds
// and whether the plan touched anime_list by its primary key or by a scan.
import { parseArgs } from "node:util";
import { sqlText } from "../../lib/db/sql_files.ts";
import { connectTo, freshDatabase } from "../helpers/services.ts";

class Rollback extends Error {}

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "8000000" },
    delta: { type: "string", default: "80000" },
  },
});
const rows = Number(values.rows);
const deltaRows = Number(values.delta);
const db = await freshDatabase("merge");
await using sql = connectTo(db);
const started = performance.now();
await sql.unsafe(`
  create table anime_list (
    user_id integer not null, anime_id integer not null, rating smallint not null,
    watching_status smallint not null, watched_episodes integer not null,
    source_id smallint not null, source_line integer not null)`);
await sql.unsafe(`
  insert into anime_list
  select i / 100 + 1, (i % 100) * 50 + 1, i % 11, 1 + i % 4, i % 24, 1, i + 2
  from generate_series(0, ${rows - 1}) i`);
await sql.unsafe(`alter table anime_list add primary key (user_id, anime_id)`);
await sql.unsafe(`vacuum analyze anime_list`);
console.log(
  `${rows} rows with their key in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

// The delta: pairs spread over the whole key range, as a day's activity is.
const stage = `
  ${await sqlText("deltas/create_delta_events")};
  insert into delta_events
  select user_id, anime_id, rating, watching_status, watched_episodes, line, kind from (
    select distinct on (user_id, anime_id) user_id, anime_id, 7 as rating, 2 as watching_status,
      12 as watched_episodes, n + 2 as line, kind
    from (
      select n, (hashint4(n) & 2147483647) % ${rows} as at,
        case when n % 20 = 0 then 1 else 0 end as kind, n % 20 < 7 as fresh
      from generate_series(0, ${deltaRows - 1}) n
    ) picked
    cross join lateral (select at / 100 + 1 as user_id,
      (at % 100) * 50 + 1 + case when fresh and kind = 0 then 25 else 0 end as anime_id) pair
    order by user_id, anime_id, n desc
  ) events order by user_id, anime_id;
  analyze delta_events`;

const candidates: Record<string, string[]> = {
  "delete ... using, then insert (index nested loop forced; the pipeline's)": [
    "set local enable_hashjoin = off; set local enable_mergejoin = off",
    await sqlText("deltas/remove_delta_pairs"),
    await sqlText("deltas/insert_delta_rows"),
  ],
  "delete ... using, then insert (planner's choice)": [
    await sqlText("deltas/remove_delta_pairs"),
    await sqlText("deltas/insert_delta_rows"),
  ],
  "insert ... on conflict do update, then delete the removals": [
    `insert into anime_list select user_id, anime_id, rating, watching_status, watched_episodes,
       2, source_line from delta_events where kind = 0 order by user_id, anime_id
     on conflict (user_id, anime_id) do update set rating = excluded.rating,
       watching_status = excluded.watching_status, watched_episodes = excluded.watched_episodes,
       source_id = excluded.source_id, source_line = excluded.source_line`,
    `delete from anime_list l using delta_events e
     where e.kind = 1 and l.user_id = e.user_id and l.anime_id = e.anime_id`,
  ],
  "merge (planner's choice)": [mergeStatement()],
  "merge (index nested loop forced)": [
    "set local enable_hashjoin = off; set local enable_mergejoin = off",
    mergeStatement(),
  ],
};

function mergeStatement(): string {
  return `merge into anime_list l using delta_events e
    on l.user_id = e.user_id and l.anime_id = e.anime_id
    when matched and e.kind = 1 then delete
    when matched then update set rating = e.rating, watching_status = e.watching_status,
      watched_episodes = e.watched_episodes, source_id = 2, source_line = e.source_line
    when not matched and e.kind = 0 then insert values (e.user_id, e.anime_id, e.rating,
      e.watching_status, e.watched_episodes, 2, e.source_line)`;
}

const [server] = await sql`select current_setting('server_version') as version`;
console.log(`PostgreSQL ${server!.version}; delta of ${deltaRows} lines`);
await sql.unsafe("checkpoint");
// Rounds interleave the candidates, so that a checkpoint or another process's burst of work does
// not fall on one of them alone; each keeps its best time.
const times = new Map<string, number[]>();
const access = new Map<string, string>();
for (let round = 0; round < 3; round++) {
  for (const [name, statements] of Object.entries(candidates)) {
    await sql.begin(async (tx) => {
      await tx.unsafe(stage);
      // The statement that joins the delta to anime_list: the merge, or the delete.
      const joining = statements.find((statement) =>
        /\b(merge into|delete from)\b/.test(statement)
      )!;
      for (const setting of statements.filter((statement) => statement.startsWith("set local"))) {
        await tx.unsafe(setting);
      }
      const plan = await tx.unsafe(`explain ${joining}`);
      const text = plan.map((row) => String(Object.values(row)[0])).join("\n");
      access.set(
        name,
        /Seq Scan on anime_list/.test(text)
          ? "scans anime_list"
          : /anime_list_pkey/.test(text)
          ? "primary key"
          : "?",
      );
      const at = performance.now();
      for (const statement of statements) {
        await tx.unsafe(statement, statement.includes("$1") ? [2] : []);
      }
      times.set(name, [...times.get(name) ?? [], (performance.now() - at) / 1000]);
      throw new Rollback();
    }).catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
    await sql.unsafe("vacuum anime_list");
  }
}
for (const [name, seconds] of times) {
  console.log(
    `${Math.min(...seconds).toFixed(2)} s (of ${seconds.map((s) => s.toFixed(2)).join(", ")})  ${
      access.get(name)!.padEnd(16)
    } ${name}`,
  );
}
