// Memory of one large field: `deno task etl` loading a 60 MB synopsis, measured as a subprocess
// (peak RSS, Linux VmHWM) against the same run with an ordinary synopsis. Not a timing test: the
// bound is a generous multiple of the field's size, and before the fix the run took ten times it.
import assert from "node:assert/strict";
import { measureProcess } from "../lib/bench/measure_process.ts";
import { ANIME_HEADER, animeLine, csvField, WATCHING_STATUS_CSV } from "./helpers/fixtures.ts";
import { projectPath } from "./helpers/project_script.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  type TestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import { PREFIX, uploadFiles } from "./helpers/uploads.ts";

const FIELD_BYTES = 60_000_000;
const MB = 1024 * 1024;

// Non-ASCII text (a UTF-16 string in V8), doubled quotes, commas and line breaks: every reason a
// field used to be copied on its way to COPY.
const PIECE = 'Ein "„Zitat""" über Schwerter, Zauber und Mut.\nZweite Zeile — Ende. ';

function synopsisOf(bytes: number): string {
  const pieceBytes = new TextEncoder().encode(PIECE).length;
  return PIECE.repeat(Math.ceil(bytes / pieceBytes));
}

async function measureRun(store: TestStore, synopsis: string) {
  const bucket = uniqueBucket("mem");
  await store.createBucket(bucket);
  await uploadFiles(store, bucket, PREFIX, {
    "watching_status.csv": WATCHING_STATUS_CSV,
    "anime.csv": [ANIME_HEADER.map(csvField).join(","), animeLine(1), animeLine(2)].join("\n"),
    "anime_with_synopsis.csv": `MAL_ID,Name,Score,Genres,sypnopsis\n1,A,7.5,Action,${
      csvField(synopsis)
    }\n2,B,7.5,Action,short\n`,
    "animelist.csv": "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,5,2,3\n",
  });
  const db = await freshDatabase("mem");
  const dir = await Deno.makeTempDir({ prefix: "mem-" });
  try {
    const config = await writeConfig(dir, store.settings(bucket, PREFIX), db);
    const run = await measureProcess(Deno.execPath(), [
      "run",
      "--allow-all",
      "--v8-flags=--max-semi-space-size=2",
      "--config",
      projectPath("deno.json"),
      projectPath("lib/cli/etl.ts"),
      "--config",
      config,
      "--quiet",
    ], { cwd: dir });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const sql = connectTo(db);
    try {
      const [row] = await sql`select octet_length(synopsis)::int as n from anime_synopsis
        where mal_id = 1`;
      assert.equal(row?.n, new TextEncoder().encode(synopsis).length);
    } finally {
      await sql.end();
    }
    return run.peakRssBytes;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(
  "a 60 MB field costs the ETL process a small multiple of its size in memory",
  async () => {
    const store = await startTestStore();
    try {
      const small = await measureRun(store, synopsisOf(1000));
      const large = await measureRun(store, synopsisOf(FIELD_BYTES));
      const extra = large - small;
      console.log(
        `peak RSS ${(small / MB).toFixed(0)} MB with a 1 KB synopsis, ${
          (large / MB).toFixed(0)
        } MB with a 60 MB one: ${(extra / FIELD_BYTES).toFixed(1)}x the field`,
      );
      assert.ok(
        extra < 5 * FIELD_BYTES,
        `the 60 MB field cost ${(extra / MB).toFixed(0)} MB of peak RSS`,
      );
    } finally {
      await store.close();
    }
  },
);
