// Measures the statements that could merge one delta into anime_list, on the test cluster:
//   deno run --allow-all tests/measure/merge_statements.ts [--rows 8000000] [--delta 80000]
//     [--fillfactors 100,95] [--rounds 3]
// For each fill factor, a table of --rows rows loaded as a run loads it (created, filled and keyed
// in one transaction, which wal_level=minimal writes without WAL), then a delta of --delta final
// events (60% updates, 35% new pairs, 5% removals) staged sorted and analysed as a run stages it.
// Each candidate runs in a transaction that is rolled back (then the table is vacuumed), after a
// CHECKPOINT, so that every page it changes first writes a full-page image, as the first change
// after a checkpoint does in production; rounds interleave the candidates. Prints per candidate
// the best seconds of the rounds, the server process's CPU seconds in that round (user + system,
// Linux only), and the WAL its statements wrote (bytes and full-page images, from EXPLAIN (ANALYZE,
// WAL)), and whether its join touched anime_list by its primary key or by a scan.
import { parseArgs } from "node:util";
import type { TransactionSql } from "postgres";
import { sqlText } from "../../lib/db/sql_files.ts";
import { connectTo, freshDatabase } from "../helpers/services.ts";

class Rollback extends Error {}

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "8000000" },
    delta: { type: "string", default: "80000" },
    fillfactors: { type: "string", default: "100,95" },
    rounds: { type: "string", default: "3" },
  },
});
const rows = Number(values.rows);
const deltaRows = Number(values.delta);
const fillfactors = values.fillfactors.split(",").map(Number);
const rounds = Number(values.rounds);
const db = await freshDatabase("merge");
await using sql = connectTo(db);
await sql.unsafe("create table anime_list_source (source_id integer primary key)");
await sql.unsafe("insert into anime_list_source values (1), (2)");

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
  ${await sqlText("deltas/key_delta_events")};
  analyze delta_events`;

const PROBE = "set local enable_hashjoin = off; set local enable_mergejoin = off";
const NO_MEMOIZE = "set local enable_memoize = off";
// The same join setting the pipeline's merge statements run under.
const PIPELINE_PLAN = await sqlText("deltas/probe_plan");
const RESTORE = await sqlText("deltas/restore_plan");
const SET_VALUES = `rating = e.rating, watching_status = e.watching_status,
  watched_episodes = e.watched_episodes, source_id = 2, source_line = e.source_line`;
const INSERT_NEW = `insert into anime_list
    (user_id, anime_id, rating, watching_status, watched_episodes, source_id, source_line)
  select user_id, anime_id, rating, watching_status, watched_episodes, 2, source_line
  from delta_events e
  where kind = 0 and not exists (select from delta_old o
    where o.user_id = e.user_id and o.anime_id = e.anime_id)
  order by user_id, anime_id`;
const DELTA_OLD = `create temp table delta_old (user_id integer, anime_id integer,
  watching_status smallint, rating smallint, watched_episodes integer, kind smallint)
  on commit drop`;

const candidates: Record<string, string[]> = {
  "delete ... using, then insert; index nested loop, no memoize (the pipeline's)": [
    PIPELINE_PLAN,
    await sqlText("deltas/remove_delta_pairs"),
    await sqlText("deltas/insert_delta_rows"),
  ],
  "delete ... using, then insert; index nested loop with memoize (the pipeline's before)": [
    PROBE,
    await sqlText("deltas/remove_delta_pairs"),
    await sqlText("deltas/insert_delta_rows"),
  ],
  "update in place: read the old values, update, delete the removals, insert the new pairs": [
    DELTA_OLD,
    PROBE,
    NO_MEMOIZE,
    `insert into delta_old
     select l.user_id, l.anime_id, l.watching_status, l.rating, l.watched_episodes, e.kind
     from delta_events e join anime_list l on l.user_id = e.user_id and l.anime_id = e.anime_id`,
    `update anime_list l set ${SET_VALUES} from delta_events e
     where l.user_id = e.user_id and l.anime_id = e.anime_id and e.kind = 0`,
    `delete from anime_list l using delta_events e
     where l.user_id = e.user_id and l.anime_id = e.anime_id and e.kind <> 0`,
    RESTORE,
    INSERT_NEW,
  ],
  "update in place: old values by a TID self-join in the update, delete, insert the new pairs": [
    DELTA_OLD,
    PROBE,
    NO_MEMOIZE,
    `with changed as (
       update anime_list l set ${SET_VALUES} from delta_events e, anime_list o
       where l.user_id = e.user_id and l.anime_id = e.anime_id and e.kind = 0 and o.ctid = l.ctid
       returning l.user_id, o.anime_id, o.watching_status, o.rating, o.watched_episodes
     ) insert into delta_old select *, 0 from changed`,
    `with gone as (
       delete from anime_list l using delta_events e
       where l.user_id = e.user_id and l.anime_id = e.anime_id and e.kind <> 0
       returning l.user_id, l.anime_id, l.watching_status, l.rating, l.watched_episodes, e.kind
     ) insert into delta_old select * from gone`,
    RESTORE,
    INSERT_NEW,
  ],
  "insert ... on conflict do update, then delete the removals": [
    `insert into anime_list select user_id, anime_id, rating, watching_status, watched_episodes,
       2, source_line from delta_events where kind = 0 order by user_id, anime_id
     on conflict (user_id, anime_id) do update set rating = excluded.rating,
       watching_status = excluded.watching_status, watched_episodes = excluded.watched_episodes,
       source_id = excluded.source_id, source_line = excluded.source_line`,
    PROBE,
    NO_MEMOIZE,
    `delete from anime_list l using delta_events e
     where e.kind = 1 and l.user_id = e.user_id and l.anime_id = e.anime_id`,
  ],
  "merge, index nested loop forced": [PROBE, NO_MEMOIZE, mergeStatement()],
};

function mergeStatement(): string {
  return `merge into anime_list l using delta_events e
    on l.user_id = e.user_id and l.anime_id = e.anime_id
    when matched and e.kind = 1 then delete
    when matched then update set ${SET_VALUES}
    when not matched and e.kind = 0 then insert values (e.user_id, e.anime_id, e.rating,
      e.watching_status, e.watched_episodes, 2, e.source_line)`;
}

const [server] = await sql`select current_setting('server_version') as version`;
console.log(
  `PostgreSQL ${server!.version}; ${rows} rows; delta of ${deltaRows} lines; ${rounds} rounds`,
);

/** One candidate's round: seconds of its statements, server CPU seconds, WAL. */
interface Round {
  seconds: number;
  cpuSeconds: number;
  walBytes: number;
  fpi: number;
}

for (const fillfactor of fillfactors) {
  const started = performance.now();
  await sql.begin(async (tx) => {
    await tx.unsafe(`drop table if exists anime_list`);
    await tx.unsafe(`
      create table anime_list (
        user_id integer not null, anime_id integer not null, rating smallint not null,
        watching_status smallint not null, watched_episodes integer not null,
        source_id smallint not null, source_line integer not null)
      with (fillfactor = ${fillfactor})`);
    await tx.unsafe(`
      insert into anime_list
      select i / 100 + 1, (i % 100) * 50 + 1, i % 11, 1 + i % 4, i % 24, 1, i + 2
      from generate_series(0, ${rows - 1}) i`);
    await tx.unsafe(`alter table anime_list add primary key (user_id, anime_id)`);
  });
  await sql.unsafe(`vacuum analyze anime_list`);
  const [size] = await sql`select pg_relation_size('anime_list') / 8192 as pages`;
  console.log(
    `fillfactor ${fillfactor}: ${size!.pages} heap pages, built in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  const results = new Map<string, Round[]>();
  const access = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, statements] of Object.entries(candidates)) {
      await sql.begin(async (tx) => {
        await tx.unsafe(stage);
        await tx.unsafe("checkpoint");
        access.set(name, await joinAccess(tx, statements));
        const cpu = await cpuSeconds(tx);
        const at = performance.now();
        let walBytes = 0;
        let fpi = 0;
        for (const statement of statements) {
          const parameters = statement.includes("$1") ? [2] : [];
          if (isSetting(statement)) {
            await tx.unsafe(statement, parameters);
            continue;
          }
          const [plan] = await tx.unsafe<{ "QUERY PLAN": [{ Plan: Record<string, number> }] }[]>(
            `explain (analyze, wal, timing off, format json) ${statement}`,
            parameters,
          );
          const top = plan!["QUERY PLAN"][0].Plan;
          walBytes += top["WAL Bytes"] ?? 0;
          fpi += top["WAL FPI"] ?? 0;
        }
        const seconds = (performance.now() - at) / 1000;
        const round: Round = {
          seconds,
          cpuSeconds: (await cpuSeconds(tx)) - cpu,
          walBytes,
          fpi,
        };
        results.set(name, [...results.get(name) ?? [], round]);
        throw new Rollback();
      }).catch((error) => {
        if (!(error instanceof Rollback)) throw error;
      });
      await sql.unsafe("vacuum anime_list");
    }
  }
  for (const [name, measured] of results) {
    const best = measured.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    console.log(
      `  ${best.seconds.toFixed(2)} s (of ${
        measured.map((r) => r.seconds.toFixed(2)).join(", ")
      }), cpu ${best.cpuSeconds.toFixed(2)} s, WAL ${(best.walBytes / 1e6).toFixed(0)} MB, ${
        String(best.fpi).padStart(6)
      } FPI  ${access.get(name)!.padEnd(16)} ${name}`,
    );
  }
}

// A statement that changes no table rows (settings, ANALYZE, temporary tables): run, not explained.
function isSetting(statement: string): boolean {
  const code = statement.split("\n").filter((line) => !line.trim().startsWith("--")).join("\n");
  return /^\s*(set|reset|analyze|create|drop)\b/i.test(code);
}

// Whether the statements that join the delta to anime_list reach it by its primary key.
async function joinAccess(tx: TransactionSql, statements: string[]): Promise<string> {
  await tx.unsafe("savepoint plan");
  let text = "";
  for (const statement of statements) {
    if (isSetting(statement)) {
      await tx.unsafe(statement);
    } else if (/\b(merge into|delete from|update anime_list|join anime_list)\b/.test(statement)) {
      const plan = await tx.unsafe(`explain ${statement}`, statement.includes("$1") ? [2] : []);
      text += plan.map((row) => String(Object.values(row)[0])).join("\n");
    }
  }
  await tx.unsafe("rollback to savepoint plan");
  return /Seq Scan on anime_list/.test(text)
    ? "scans anime_list"
    : /Memoize/.test(text)
    ? "pkey + memoize"
    : /anime_list_pkey/.test(text)
    ? "primary key"
    : "?";
}

// The server process's CPU time so far (Linux /proc; the test cluster's role is a superuser).
async function cpuSeconds(tx: TransactionSql): Promise<number> {
  const [row] = await tx<{ stat: string }[]>`select pg_read_file('/proc/self/stat') as stat`;
  const fields = row!.stat.slice(row!.stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5), counted from the state field (3) here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
