// Tests lib/load/delta_events.ts: last line wins within a delta, superseded counts, events laid over
// across deltas with their source ids, and the final events staged in delta_events by a binary COPY
// into real PostgreSQL.
import assert from "node:assert/strict";
import { copyBinaryRows } from "../lib/load/binary_copy_rows.ts";
import {
  copyEvents,
  type DeltaEvent,
  DeltaEvents,
  INADMISSIBLE,
  REMOVAL,
  UPSERT,
} from "../lib/load/delta_events.ts";
import { ListTally } from "../lib/load/list_counts.ts";
import { connectTo, freshDatabase } from "./helpers/services.ts";

const set = (line: number, values: [number, number, number]): DeltaEvent => ({
  kind: UPSERT,
  line,
  values,
});
const remove = (line: number): DeltaEvent => ({ kind: REMOVAL, line });
const refused = (line: number, values: [number, number, number]): DeltaEvent => ({
  kind: INADMISSIBLE,
  line,
  values,
  heldReason: "unknown_anime_id",
});

Deno.test("DeltaEvents keeps each pair's last line and counts the valid lines it overrides", async (t) => {
  const cases: {
    name: string;
    lines: [number, number, DeltaEvent][];
    superseded: number;
    finals: [number, number, number];
  }[] = [
    { name: "one line", lines: [[1, 1, set(2, [5, 2, 1])]], superseded: 0, finals: [1, 0, 0] },
    {
      name: "an update then a removal",
      lines: [[1, 1, set(2, [5, 2, 1])], [1, 1, remove(3)]],
      superseded: 1,
      finals: [0, 1, 0],
    },
    {
      name: "a removal then an update",
      lines: [[1, 1, remove(2)], [1, 1, set(3, [5, 2, 1])]],
      superseded: 1,
      finals: [1, 0, 0],
    },
    {
      name: "an inadmissible line overridden is quarantined, not superseded",
      lines: [[1, 1, refused(2, [5, 2, 1])], [1, 1, set(3, [5, 2, 1])]],
      superseded: 0,
      finals: [1, 0, 0],
    },
    {
      name: "a valid line overridden by an inadmissible one is superseded",
      lines: [[1, 1, set(2, [5, 2, 1])], [1, 1, refused(3, [5, 2, 1])]],
      superseded: 1,
      finals: [0, 0, 1],
    },
    {
      name: "pairs differ by either id",
      lines: [[1, 2, set(2, [5, 2, 1])], [2, 1, set(3, [5, 2, 1])], [1, 2, set(4, [6, 2, 1])]],
      superseded: 1,
      finals: [2, 0, 0],
    },
  ];
  for (const { name, lines, superseded, finals } of cases) {
    await t.step(name, () => {
      const events = new DeltaEvents();
      for (const [userId, animeId, event] of lines) events.add(userId, animeId, event);
      assert.equal(events.superseded, superseded);
      assert.deepEqual(
        ([UPSERT, REMOVAL, INADMISSIBLE] as const).map((kind) => events.finalCount(kind)),
        finals,
      );
    });
  }
});

Deno.test("DeltaEvents.startDelta lays a later delta's lines over the earlier ones, with its source", () => {
  const finals = new DeltaEvents();
  finals.startDelta(2);
  finals.add(1, 1, set(2, [5, 2, 1]));
  finals.add(1, 2, refused(3, [4, 2, 9]));
  finals.add(2, 1, remove(4));
  assert.deepEqual([[...finals.deltaEntries()], finals.superseded], [[0, 1, 2], 0]);
  finals.startDelta(3);
  // A pair of an earlier delta is the later one's first line of it, not a superseded line; a
  // pair repeated within the later delta is.
  finals.add(1, 2, set(2, [7, 1, 3]));
  finals.add(3, 3, set(3, [8, 2, 2]));
  finals.add(3, 3, set(4, [9, 2, 2]));
  finals.add(1, 2, set(5, [6, 1, 3]));
  assert.deepEqual([[...finals.deltaEntries()], finals.superseded], [[1, 3], 2]);
  assert.deepEqual([0, 1, 2, 3].map((entry) => finals.kind(entry)), [
    UPSERT,
    UPSERT,
    REMOVAL,
    UPSERT,
  ]);
  // The pair's last line across both deltas, with the later delta's source.
  const { values, sourceId, line } = finals.heldBack(1);
  assert.deepEqual({ values, sourceId, line }, { values: [6, 1, 3], sourceId: 3, line: 5 });
  finals.startDelta(4);
  // An inadmissible line repeated within its delta was quarantined, not superseded.
  finals.add(1, 1, refused(5, [3, 7, 1]));
  finals.add(1, 1, refused(6, [3, 7, 2]));
  assert.deepEqual([[...finals.deltaEntries()], finals.superseded], [[0], 0]);
  assert.deepEqual(finals.heldBack(0), {
    values: [3, 7, 2],
    sourceId: 4,
    line: 6,
    reason: "unknown_anime_id",
  });
  assert.equal(finals.finalCount(INADMISSIBLE), 1);
  assert.throws(() => finals.startDelta(0), RangeError);
  // clear() ends the layering: the events are one delta's again.
  finals.clear();
  finals.add(1, 1, set(2, [5, 2, 1]));
  finals.add(1, 1, set(3, [5, 2, 1]));
  assert.deepEqual([finals.size, finals.superseded, finals.deltaEntries().length], [1, 1, 0]);
});

Deno.test("copyEvents stages every final event in delta_events in key order; the list rows follow", async () => {
  const db = await freshDatabase("events");
  await using sql = connectTo(db);
  const events = new DeltaEvents();
  // Enough pairs for several megabyte buffers of binary COPY, added out of key order.
  for (let user = 40_000; user > 0; user--) {
    events.add(user, 7, set(user + 1, [user % 11, 2, user]));
    events.add(user, 3, user % 3 === 0 ? remove(user + 2) : refused(user + 2, [1, 6, 0]));
  }
  events.add(-5, 2_147_483_647, {
    kind: INADMISSIBLE,
    line: 9,
    values: [10, 32_767, 2_147_483_647],
    heldReason: "unknown_watching_status",
  });
  await sql.begin(async (tx) => {
    await copyEvents(tx, events);
    const [counts] = await tx`
      select count(*)::int as rows, count(*) filter (where kind = 0)::int as upserts,
        count(*) filter (where kind = 1 and rating is null and watching_status is null
          and watched_episodes is null and held_reason is null)::int as removals,
        count(*) filter (where kind = 2 and held_reason = 'unknown_anime_id')::int as held,
        sum(watched_episodes) filter (where kind = 0)::float8 as episodes
      from delta_events`;
    assert.deepEqual({ ...counts }, {
      rows: 80_001,
      upserts: 40_000,
      removals: 13_333,
      held: 26_667,
      episodes: 40_000 * 40_001 / 2,
    });
    const head = await tx`
      select user_id, anime_id, rating, watching_status, watched_episodes, source_line, kind,
        held_reason
      from delta_events order by user_id, anime_id limit 3`;
    assert.deepEqual(head.map((row) => ({ ...row })), [
      {
        user_id: -5,
        anime_id: 2_147_483_647,
        rating: 10,
        watching_status: 32_767,
        watched_episodes: 2_147_483_647,
        source_line: 9,
        kind: 2,
        held_reason: "unknown_watching_status",
      },
      {
        user_id: 1,
        anime_id: 3,
        rating: 1,
        watching_status: 6,
        watched_episodes: 0,
        source_line: 3,
        kind: 2,
        held_reason: "unknown_anime_id",
      },
      {
        user_id: 1,
        anime_id: 7,
        rating: 1,
        watching_status: 2,
        watched_episodes: 1,
        source_line: 2,
        kind: 0,
        held_reason: null,
      },
    ]);
    // The COPY kept the client's order: key order, which the merge's joins rely on being cheap.
    const [ordered] = await tx`
      select bool_and(ordered) as ordered from (
        select (user_id, anime_id) > lag((user_id, anime_id)) over (order by ctid) as ordered
        from delta_events
      ) as t where ordered is not null`;
    assert.equal(ordered!.ordered, true);
    // The same events as anime_list rows, each counted in the aggregates' tally.
    await tx`create temp table list_rows (user_id integer, anime_id integer, rating smallint,
      watching_status smallint, watched_episodes integer, source_id smallint, source_line integer)`;
    const upserts = [...events.pairs.sortedEntries()].filter((e) => events.kind(e) === UPSERT);
    const tally = new ListTally(new Uint8Array(8).fill(1), new Uint8Array(8).fill(1));
    await copyBinaryRows(tx, {
      statement: "copy list_rows from stdin (format binary)",
      count: upserts.length,
      write: (rows, index) => events.writeListRow(rows, upserts[index]!, tally),
    });
    const [list] = await tx`
      select count(*)::int as rows, sum(rating)::int as ratings from list_rows where anime_id = 7`;
    const ratings = Array.from({ length: 40_000 }, (_, k) => (k + 1) % 11).reduce((a, b) => a + b);
    assert.deepEqual({ ...list }, { rows: 40_000, ratings });
    assert.equal(tally.columns().ratingSum.reduce((a, b) => a + b), ratings);
  });
});

Deno.test("DeltaEvents holds at most 102 bytes a pair, the replay's one delta included, and nothing once released", () => {
  // Its design: 16 bytes a pair's event and 4 a pair the delta touched, in arrays grown by
  // doubling (so at most 40 allocated), besides the pair set's 62 at most
  // (tests/pair_set_test.ts). 1,092,247 pairs is just past a doubling: the bench's 1% delta at
  // 109M rows, whose arrays a full refresh's replay holds for the snapshot's whole COPY.
  const finals = new DeltaEvents();
  finals.startDelta(2);
  let added = 0;
  for (const size of [1_000, 786_433, 1_092_247]) {
    for (; added < size; added++) {
      finals.add(added >> 4, added & 15, { kind: UPSERT, line: added + 2, values: [8, 2, 12] });
    }
    const perPair = finals.byteLength / size;
    assert.ok(perPair <= 102, `${perPair.toFixed(1)} bytes a pair at ${size} pairs`);
  }
  assert.equal(finals.deltaEntries().length, added);
  finals.release();
  assert.equal(finals.size, 0);
  assert.ok(finals.byteLength <= 64 * 1024, `${finals.byteLength} bytes after release`);
});
