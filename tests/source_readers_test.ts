// Tests for reading sources from a real S3-compatible server: listing, previews, frames, blocks, sessions.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { readObjectBytes } from "../lib/extract/object_reader.ts";
import { createS3Client } from "../lib/extract/s3_client.ts";
import { findSourceObjects, type SourceObject } from "../lib/extract/source_objects.ts";
import {
  listSourceObjects,
  previewSource,
  readSourceBlocks,
  readSourceFrame,
} from "../lib/explore/frames.ts";
import { notebookConfigFile, openSession, REPO_ROOT } from "../lib/explore/open_session.ts";
import { checkProfileInBlocks, profileAnimeListObject } from "../lib/explore/profiles.ts";
import { concatBytes } from "../lib/explore/_csv_frame.ts";
import { mimeBundle } from "../lib/report/display/show.ts";
import { temporaryDirectory } from "./helpers/disposables.ts";
import { animeCsv } from "./helpers/fixtures.ts";
import { freshDatabase, startTestStore, uniqueBucket, writeConfig } from "./helpers/services.ts";
import { PREFIX } from "./helpers/uploads.ts";

const FIXTURES = new URL("./fixtures/kaggle-2020-sample/", import.meta.url);

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A bucket holding the real sample files, a generated anime.csv and one object the pipeline
 * ignores; `await using` destroys the client and closes the store.
 */
async function sampleBucket() {
  const store = await startTestStore();
  const bucket = uniqueBucket("explore");
  await store.createBucket(bucket);
  const files: Record<string, Uint8Array> = {
    "watching_status.csv": await Deno.readFile(new URL("watching_status.csv", FIXTURES)),
    "anime_with_synopsis.csv": await Deno.readFile(new URL("anime_with_synopsis.csv", FIXTURES)),
    "anime.csv": new TextEncoder().encode(animeCsv([1, 5, 6, 7])),
  };
  for (const [name, body] of Object.entries(files)) {
    await store.put(bucket, `${PREFIX}${name}`, body);
  }
  const list = await Deno.readFile(new URL("animelist.csv", FIXTURES));
  await store.put(bucket, `${PREFIX}animelist.csv.gz`, await gzip(list));
  await store.put(bucket, `${PREFIX}README.txt`, "not a source");
  const settings = store.settings(bucket, PREFIX);
  const client = createS3Client(settings);
  const sources = await findSourceObjects(client, settings);
  const source = (file: string) => sources.find((s) => s.file === file) as SourceObject;
  const all: Record<string, Uint8Array> = { ...files, "animelist.csv": list };
  return {
    store,
    settings,
    client,
    source,
    files: all,
    async [Symbol.asyncDispose]() {
      client.destroy();
      await store.close();
    },
  };
}

Deno.test(
  "listSourceObjects lists every object with size, ETag and the file it is read as",
  async () => {
    await using sample = await sampleBucket();
    const { settings, client, files } = sample;
    const objects = await listSourceObjects(client, settings);
    assert.deepEqual(objects.map((o) => [o.key.slice(PREFIX.length), o.file]), [
      ["README.txt", "(not read)"], // upper case sorts first in byte order
      ["anime.csv", "anime.csv"],
      ["anime_with_synopsis.csv", "anime_with_synopsis.csv"],
      ["animelist.csv.gz", "animelist.csv"],
      ["watching_status.csv", "watching_status.csv"],
    ]);
    const statuses = objects.find((o) => o.file === "watching_status.csv")!;
    assert.equal(statuses.size_bytes, files["watching_status.csv"]!.length);
    assert.equal(statuses.size, `${files["watching_status.csv"]!.length} bytes`);
    assert.match(statuses.etag, /^"[0-9a-f]{32}"$/);
    assert.ok(statuses.last_modified instanceof Date);
  },
);

Deno.test(
  "previewSource reads the first records only, quoted line breaks included",
  async () => {
    await using sample = await sampleBucket();
    const { client, source } = sample;
    const whole = await readSourceFrame(client, source("anime_with_synopsis.csv"), {
      text: true,
    });
    const preview = await previewSource(client, source("anime_with_synopsis.csv"), { rows: 3 });
    assert.deepEqual(preview.columns, ["MAL_ID", "Name", "Score", "Genres", "sypnopsis"]);
    assert.deepEqual(preview.toRecords(), whole.head(3).toRecords());
    const list = await previewSource(client, source("animelist.csv"), { rows: 2 });
    assert.deepEqual(list.toRecords(), [
      { user_id: "0", anime_id: "67", rating: "9", watching_status: "1", watched_episodes: "1" },
      {
        user_id: "0",
        anime_id: "6702",
        rating: "7",
        watching_status: "1",
        watched_episodes: "4",
      },
    ]);
  },
);

Deno.test(
  "readSourceFrame reads a whole object, gzip included, and refuses one above the limit",
  async () => {
    await using sample = await sampleBucket();
    const { client, source, files } = sample;
    const statuses = await readSourceFrame(client, source("watching_status.csv"), { text: true });
    assert.deepEqual(statuses.getColumn("description").toArray(), [
      "Currently Watching",
      "Completed",
      "On Hold",
      "Dropped",
      "Plan to Watch",
    ]);
    const list = await readSourceFrame(client, source("animelist.csv"));
    const lines = new TextDecoder().decode(files["animelist.csv"]).trimEnd().split("\n");
    assert.equal(list.height, lines.length - 1);
    assert.equal(String(list.getColumn("rating").dtype), "DataType(Int64)");
    const anime = source("anime.csv");
    await assert.rejects(() => readSourceFrame(client, anime, { maxBytes: 100 }), {
      name: "RangeError",
      message: `Cannot read "${anime.bucket}/${anime.key}" into one frame: ${
        (anime.size / 1000).toFixed(1)
      } kB is above the limit of 100 bytes; stream it with readSourceBlocks instead`,
    });
  },
);

Deno.test(
  "readObjectBytes reads byte ranges exactly; readSourceFrame reads a large object in parallel parts",
  async (t) => {
    await using sample = await sampleBucket();
    const { store, settings, client, source, files } = sample;
    await t.step("a range yields exactly its bytes", async () => {
      const anime = source("anime.csv");
      for (
        const range of [{ start: 0, end: 2 }, { start: 5, end: 17 }, {
          start: 40,
          end: anime.size,
        }]
      ) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of readObjectBytes(client, anime, { range })) chunks.push(chunk);
        assert.deepEqual(
          new TextDecoder().decode(concatBytes(chunks)),
          new TextDecoder().decode(files["anime.csv"]!.subarray(range.start, range.end)),
        );
      }
    });
    await t.step("a gzip object has no stored ranges to read", () => {
      assert.throws(
        () => readObjectBytes(client, source("animelist.csv"), { range: { start: 0, end: 10 } }),
        { name: "RangeError" },
      );
    });
    await t.step(
      "a 20 MB object read in parts equals polars' read of the same bytes",
      async () => {
        const header = "user_id,anime_id,rating,watching_status,watched_episodes\n";
        const rows = Array.from(
          { length: 1_000_000 },
          (_, i) => `${i},${i % 17_000},${i % 11},2,${i % 30}\n`,
        );
        const body = new TextEncoder().encode(header + rows.join(""));
        assert.ok(body.length > 16 * 1024 * 1024, `${body.length} bytes: large enough for parts`);
        const key = `${PREFIX}big/animelist.csv`;
        await store.put(settings.bucket, key, body);
        const [listed] = await listSourceObjects(client, {
          ...settings,
          prefix: `${PREFIX}big/`,
        });
        const frame = await readSourceFrame(client, {
          ...source("watching_status.csv"),
          key,
          size: body.length,
          gzip: false,
          etag: listed!.etag,
        });
        const expected = pl.readCSV(Buffer.from(body), { hasHeader: true });
        assert.equal(frame.height, 1_000_000);
        assert.deepEqual(frame.tail(3).toRecords(), expected.tail(3).toRecords());
        assert.deepEqual(frame.getColumn("user_id").sum(), expected.getColumn("user_id").sum());
      },
    );
  },
);

Deno.test(
  "readSourceBlocks yields whole records whose union is the whole file",
  async (t) => {
    await using sample = await sampleBucket();
    const { client, source } = sample;
    for (const file of ["anime_with_synopsis.csv", "animelist.csv", "watching_status.csv"]) {
      const whole = await readSourceFrame(client, source(file), { text: true });
      for (const blockBytes of [1, 700, 5000, 1 << 20]) {
        await t.step(`${file} in blocks of ${blockBytes} bytes`, async () => {
          const blocks: pl.DataFrame[] = [];
          for await (
            const block of readSourceBlocks(client, source(file), { blockBytes, text: true })
          ) {
            assert.deepEqual(block.columns, whole.columns);
            blocks.push(block);
          }
          if (blockBytes === 1) assert.equal(blocks.length, whole.height, "one record per block");
          if (blockBytes === 1 << 20) assert.equal(blocks.length, 1);
          assert.deepEqual(pl.concat(blocks).toRecords(), whole.toRecords());
        });
      }
    }
  },
);

Deno.test("openSession uses credentials.cfg and never shows a credential", async () => {
  await using sample = await sampleBucket();
  const { settings } = sample;
  await using dir = await temporaryDirectory("open-session-");
  // The test cluster's password, which PostgreSQL requires: the session must never show it.
  const db = await freshDatabase("nb");
  const password = db.password;
  const configPath = await writeConfig(dir.path, settings, db);
  const session = await openSession({ configPath, env: {}, log: () => {} });
  try {
    assert.equal(session.mode, "configured");
    assert.equal(session.connectUrl, `postgres://postgres@${db.host}:${db.port}/${db.database}`);
    assert.equal(session.s3Url, `s3://${settings.bucket}/${PREFIX}`);
    assert.deepEqual((await session.sources()).map((s) => s.file), [
      "watching_status.csv",
      "anime.csv",
      "anime_with_synopsis.csv",
      "animelist.csv",
    ]);
    const [row] = await session.sql`select current_database() as name`;
    assert.equal(row?.name, db.database);
    const shown = [
      Deno.inspect(session, { depth: 10, showHidden: true }),
      JSON.stringify(session),
      ...Object.values(mimeBundle(session)),
    ].join("\n");
    for (const secret of [settings.secretAccessKey, password]) {
      assert.ok(!shown.includes(secret), `the session shows a credential: ${shown}`);
    }
    assert.equal(session.redact(`key ${settings.secretAccessKey}`), "key ***");
  } finally {
    await session.close();
  }
});

Deno.test(
  "profileAnimeListObject reads a small animelist.csv whole and a larger one in blocks, counting the same",
  async (t) => {
    await using sample = await sampleBucket();
    const { client, source, files } = sample;
    const dimensions = {
      statuses: await readSourceFrame(client, source("watching_status.csv"), { text: true }),
      anime: await readSourceFrame(client, source("anime.csv"), { text: true }),
    };
    const list = source("animelist.csv");
    const whole = await profileAnimeListObject(client, list, dimensions);
    const { blocks: _, listLengths: wholeLengths, ...wholeCounts } = whole.profile;
    await t.step("within the limit: one frame, its columns and its duplicate pairs", async () => {
      assert.equal(whole.path, "whole frame");
      assert.equal(whole.profile.blocks, 1);
      assert.equal(whole.columnsOf, "animelist.csv");
      assert.deepEqual(
        whole.columns.map((column) => column.column),
        ["user_id", "anime_id", "rating", "watching_status", "watched_episodes"],
      );
      assert.equal(whole.duplicates?.key, "user_id, anime_id");
      const comparison = await checkProfileInBlocks(client, list, whole, dimensions);
      assert.equal(comparison.second.path, "streamed");
      // A quarter of the listed size each: more than four blocks for gzip, whose bytes grow.
      assert.ok(comparison.second.profile.blocks >= 4, `${comparison.second.profile.blocks}`);
      assert.ok(comparison.agree, comparison.differences.join(", "));
    });
    await t.step(
      "over the limit: blocks, the first block's columns, no duplicate pairs",
      async () => {
        const bytes = files["animelist.csv"]!.length;
        // The object is gzip: only its decompressed size, known once read, passes this limit.
        assert.ok(list.gzip && list.size < bytes / 2);
        const streamed = await profileAnimeListObject(client, list, dimensions, {
          wholeFrameMaxBytes: list.size + 1,
          blockBytes: 2000,
        });
        assert.equal(streamed.path, "streamed");
        assert.ok(
          streamed.profile.blocks >= Math.floor(bytes / 2000),
          `${streamed.profile.blocks} blocks of ${bytes} bytes`,
        );
        assert.match(streamed.columnsOf, /^animelist\.csv, first block \(\d+ rows\)$/);
        assert.equal(streamed.duplicates, undefined);
        const { blocks: _blocks, listLengths, ...streamedCounts } = streamed.profile;
        assert.deepEqual(streamedCounts, wholeCounts);
        assert.deepEqual([...listLengths].sort(), [...wholeLengths].sort());
        const comparison = await checkProfileInBlocks(client, list, streamed, dimensions, {
          blockBytes: 2000,
        });
        assert.equal(comparison.second.path, "streamed again, other blocks");
        assert.notEqual(comparison.second.profile.blocks, streamed.profile.blocks);
        assert.ok(comparison.agree, comparison.differences.join(", "));
      },
    );
  },
);

Deno.test("openSession follows the commands' rule: a named config file must exist", async (t) => {
  const missing = "/nonexistent/etl.cfg";
  for (
    const [how, options, namedBy] of [
      ["ETL_CONFIG", { env: { ETL_CONFIG: missing } }, "environment variable ETL_CONFIG"],
      ["configPath", { configPath: missing, env: {} }, "the configPath option of openSession"],
    ] as const
  ) {
    await t.step(`named by ${how}: CONFIG_MISSING, nothing started`, async () => {
      const lines: string[] = [];
      await assert.rejects(() => openSession({ ...options, log: (line) => lines.push(line) }), {
        name: "PipelineError",
        code: "CONFIG_MISSING",
        message:
          `Cannot find config file "${missing}" named by ${namedBy}: only a missing ./credentials.cfg, with neither --config nor ETL_CONFIG, selects the embedded default`,
      });
      assert.deepEqual(lines, []);
    });
  }
  await t.step("no ETL_CONFIG: the repository's credentials.cfg, absent means embedded", () => {
    assert.deepEqual(notebookConfigFile({ ETL_CONFIG: " " }), {
      configPath: `${REPO_ROOT}credentials.cfg`,
    });
  });
});

Deno.test(
  "openSession again in the same kernel closes the earlier session, and a closed one says so",
  async () => {
    await using sample = await sampleBucket();
    await using dir = await temporaryDirectory("open-session-rerun-");
    const { settings } = sample;
    const db = await freshDatabase("nb_rerun");
    const configPath = await writeConfig(dir.path, settings, db);
    const lines: string[] = [];
    const first = await openSession({ configPath, env: {}, log: (line) => lines.push(line) });
    await first.sql`select 1`;
    const second = await openSession({ configPath, env: {}, log: (line) => lines.push(line) });
    try {
      assert.equal(first.closed, true);
      assert.equal(second.closed, false);
      assert.deepEqual(lines, [
        "session:replaced the kernel's previous session, still open, was closed",
      ]);
      const closedMessage =
        "Cannot use the notebook session: it was closed (a notebook's last cell closes it); " +
        "run the cell that calls openSession() again to reopen it";
      assert.throws(() => first.sql, { name: "Error", message: closedMessage });
      assert.throws(() => first.targets, { message: closedMessage });
      await assert.rejects(() => first.sources(), { message: closedMessage });
      await first.close(); // a second close changes nothing
      const [row] = await second.sql`select current_database() as name`;
      assert.equal(row?.name, db.database);
      // The earlier session's connections are gone: only the new one's remain.
      const [activity] = await second.sql<{ sessions: number }[]>`
        select count(*)::int as sessions from pg_stat_activity
        where datname = ${db.database} and application_name = 'anime-notebook'`;
      assert.equal(activity?.sessions, 1);
    } finally {
      await second.close();
    }
    const third = await openSession({ configPath, env: {}, log: (line) => lines.push(line) });
    await third.close();
    assert.equal(lines.length, 1, "a closed session is not replaced, only an open one");
  },
);
