// Bad input, end to end: one step per kind of dirt, each run through s3rver and PostgreSQL, each with
// its exact outcome (quarantined line, reason, detail and raw text, or the error before anything
// changes) and counts that reconcile. Quarantine cases run at the default 1% reject threshold.
import assert from "node:assert/strict";
import type { DbSettings } from "../../lib/config/settings.ts";
import { runEtl, type RunSummary } from "../../lib/run_etl.ts";
import { ANIME_COLUMNS } from "../../lib/transform/anime_row.ts";
import { ANIME_HEADER, animeLine, csvField, WATCHING_STATUS_CSV } from "../helpers/fixtures.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "../helpers/services.ts";
import { within } from "../helpers/observe.ts";
import { assertNothingPublished, publishedFingerprint } from "../helpers/published.ts";
import { gzip, physicalLines, PREFIX, uploadFiles } from "../helpers/uploads.ts";

// Base files: every anime id 1..300 in anime.csv; synopses for 1..290 (291..300 stay free for the
// cases); 1,000 animelist rows. One to three bad rows in a file stay under the 1% threshold.
const ANIME_IDS = 300;
const SYNOPSIS_IDS = 290;
const LIST_ROWS = 1000;
const LIST_HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";
const SYNOPSIS_HEADER = "MAL_ID,Name,Score,Genres,sypnopsis";
const STATUSES = [1, 2, 3, 4, 6];

type Body = string | Uint8Array;
type Files = Record<string, Body>;

const listRows = Array.from({ length: LIST_ROWS }, (_, i) => [
  Math.floor(i / 10) + 1, // user_id: ten anime each
  ((i * 7) % ANIME_IDS) + 1, // anime_id: distinct within a user
  i % 11, // rating 0..10
  STATUSES[i % 5]!,
  i % 30, // watched_episodes
]);
const listText = (rows: number[][]) => rows.map((row) => row.join(",")).join("\n");

const BASE: Files = {
  "watching_status.csv": WATCHING_STATUS_CSV,
  "anime.csv": [
    ANIME_HEADER.map(csvField).join(","),
    ...Array.from({ length: ANIME_IDS }, (_, i) => animeLine(i + 1)),
  ].join("\n") + "\n",
  "anime_with_synopsis.csv": [
    SYNOPSIS_HEADER,
    ...Array.from({ length: SYNOPSIS_IDS }, (_, i) => `${i + 1},Name,7.5,Action,Synopsis ${i + 1}`),
  ].join("\n") + "\n",
  "animelist.csv": `${LIST_HEADER}\n${listText(listRows)}\n`,
};
// First line number after the base rows of each file (the header is line 1).
const NEXT_LINE = { anime: ANIME_IDS + 2, synopsis: SYNOPSIS_IDS + 2, list: LIST_ROWS + 2 };

const encoder = new TextEncoder();

/** Concatenates text and bytes. */
function bytes(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  const encoded = parts.map((part) =>
    typeof part === "string" ? encoder.encode(part) : Uint8Array.from(part)
  );
  const joined = new Uint8Array(encoded.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of encoded) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** A base file with lines appended (each line ends with LF unless `end` says otherwise). */
function appended(file: string, lines: (string | Uint8Array)[], end = "\n"): Uint8Array {
  return bytes(
    BASE[file]!,
    ...lines.flatMap((line, i) => [line, i < lines.length - 1 ? "\n" : end]),
  );
}

/** A raw record as the expectations spell it: long ones by length, start and end. */
function shown(raw: string): string {
  return raw.length <= 1000 ? raw : `${raw.slice(0, 40)}…${raw.slice(-40)} (${raw.length} chars)`;
}

/** An anime.csv line whose Name holds two bytes that are not UTF-8. */
function badName(): Uint8Array {
  const [before, after] = animeLine(301, { Name: "Bad @ name" }).split("@");
  return bytes(before!, [0xff, 0xfe], after!);
}

function hex(body: Uint8Array): string {
  return Array.from(body, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** anime.csv with one column left out. */
function animeWithout(column: string): string {
  const keep = ANIME_HEADER.map((name, i) => [name, i] as const).filter(([name]) =>
    name !== column
  );
  const lines = (BASE["anime.csv"] as string).trimEnd().split("\n").slice(1);
  return [
    keep.map(([name]) => csvField(name)).join(","),
    ...Array.from({ length: lines.length }, (_, i) => {
      const fields = animeLine(i + 1).match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((field) =>
        field.replace(/,$/, "")
      );
      return keep.map(([, index]) => fields[index]).join(",");
    }),
  ].join("\n") + "\n";
}

interface Outcome {
  summary: RunSummary;
  db: DbSettings;
  /** The objects uploaded, by file name. */
  files: Files;
}

interface Case {
  name: string;
  /** Files replacing the base ones; `null` removes a base file. */
  files: () => Record<string, Body | null> | Promise<Record<string, Body | null>>;
  /** Reject share allowed; default the pipeline's default, 1%. */
  threshold?: number;
  /** The run fails with this code and message, publishing nothing. */
  error?: { code: string; message: string | RegExp };
  /** The run publishes with exactly these rejects: `file:line reason detail | raw`. */
  rejects?: string[];
  /** Data rows read per file, for the files the case changes. */
  rowsRead?: Record<string, number>;
  /** More checks on the published data. */
  check?: (sql: ReturnType<typeof connectTo>, outcome: Outcome) => Promise<void>;
}

const SHORT_ROW = "1,Short";
const CASES: Case[] = [
  {
    name: "empty object",
    files: () => ({ "animelist.csv": "" }),
    error: {
      code: "CSV_EMPTY",
      message: `Cannot read "${PREFIX}animelist.csv": the file is empty (no header line)`,
    },
  },
  {
    name: "header only",
    files: () => ({ "animelist.csv": `${LIST_HEADER}\n` }),
    error: {
      code: "QUALITY_FAILED",
      message:
        /^Cannot publish run \d+: blocking quality checks failed: tables_non_empty \(observed 7 of 8 tables have rows \(empty: anime_list\)\)$/,
    },
  },
  {
    name: "a required column missing",
    files: () => ({ "anime.csv": animeWithout("Score") }),
    error: {
      code: "CSV_HEADER",
      message: `Cannot map columns of "${PREFIX}anime.csv": missing required "Score"; found ${
        ANIME_HEADER.filter((name) => name !== "Score").map((name) => `"${name}"`).join(", ")
      }`,
    },
  },
  {
    name: "extra columns are loaded around and recorded as ignored",
    files: () => ({
      "animelist.csv": `${LIST_HEADER},comment\n${
        listRows.map((row) => `${row.join(",")},"note, with comma"`).join("\n")
      }\n`,
    }),
    rejects: [],
    rowsRead: { "animelist.csv": LIST_ROWS },
    check: async (sql, { summary }) => {
      const [file] = await sql`
        select ignored_columns from etl.run_files
        where run_id = ${summary.runId} and source_file = 'animelist.csv'`;
      assert.deepEqual(file?.ignored_columns, ["comment"]);
      await assertAnimeList(sql, listRows);
    },
  },
  {
    name: "columns in another order are mapped by name",
    files: () => ({
      "animelist.csv": `watched_episodes,rating,anime_id,watching_status,user_id\n${
        listText(listRows.map(([u, a, r, s, e]) => [e!, r!, a!, s!, u!]))
      }\n`,
      "anime_with_synopsis.csv":
        `sypnopsis,Genres,MAL_ID,Score,Name\n"Text, first",Action,1,7.5,A\n`,
    }),
    rejects: [],
    check: async (sql) => {
      await assertAnimeList(sql, listRows);
      const synopses = await sql`select mal_id, synopsis from anime_synopsis`;
      assert.deepEqual(synopses.map((row) => [row.mal_id, row.synopsis]), [[1, "Text, first"]]);
    },
  },
  {
    name: "a row with too many or too few fields",
    files: () => ({
      "anime.csv": appended("anime.csv", [`${animeLine(301)},extra`, SHORT_ROW]),
      "animelist.csv": appended("animelist.csv", ["500,1,5,2,3,9", "500,2,5,2"]),
    }),
    rejects: [
      `anime.csv:${NEXT_LINE.anime} malformed_csv expected 35 fields, found 36 | ${
        animeLine(301)
      },extra`,
      `anime.csv:${NEXT_LINE.anime + 1} malformed_csv expected 35 fields, found 2 | ${SHORT_ROW}`,
      `animelist.csv:${NEXT_LINE.list} malformed_csv expected 5 fields, found 6 | 500,1,5,2,3,9`,
      `animelist.csv:${NEXT_LINE.list + 1} malformed_csv expected 5 fields, found 4 | 500,2,5,2`,
    ],
    rowsRead: { "anime.csv": ANIME_IDS + 2, "animelist.csv": LIST_ROWS + 2 },
  },
  {
    name: "an unterminated quote at the end of the file costs only its own lines",
    files: () => ({
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        '291,Name,7.5,Action,"opens, never closes',
        "and runs to the end",
      ]),
      "animelist.csv": appended("animelist.csv", ['500,1,"7,2,3']),
    }),
    rejects: [
      `anime_with_synopsis.csv:${NEXT_LINE.synopsis} malformed_csv unterminated quoted field ` +
      `starting at line ${NEXT_LINE.synopsis}; quoted field 5 opened on line ${NEXT_LINE.synopsis} ` +
      `ran on to line ${NEXT_LINE.synopsis + 1}, so line ${NEXT_LINE.synopsis} is quarantined ` +
      `alone and scanning resumed at line ${NEXT_LINE.synopsis + 1} | ` +
      '291,Name,7.5,Action,"opens, never closes',
      `anime_with_synopsis.csv:${
        NEXT_LINE.synopsis + 1
      } malformed_csv expected 5 fields, found 1 | and runs to the end`,
      `animelist.csv:${NEXT_LINE.list} malformed_csv unterminated quoted field starting at line ` +
      `${NEXT_LINE.list}: field 3 cannot hold a line break, so the line ends the record | 500,1,"7,2,3`,
    ],
    rowsRead: { "anime_with_synopsis.csv": SYNOPSIS_IDS + 2, "animelist.csv": LIST_ROWS + 1 },
  },
  {
    name: "a quoted field with embedded newlines and doubled quotes",
    files: () => ({
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        '291,Name,7.5,Action,"First line\r\nsecond ""quoted"" line\nthird, with comma"',
        "9999,Orphan,7.5,Action,counted after three physical lines",
      ]),
    }),
    rejects: [
      `anime_with_synopsis.csv:${
        NEXT_LINE.synopsis + 3
      } unknown_anime_id MAL_ID 9999 is not in anime.csv | 9999,Orphan,7.5,Action,counted after three physical lines`,
    ],
    rowsRead: { "anime_with_synopsis.csv": SYNOPSIS_IDS + 2 },
    check: async (sql) => {
      const [row] = await sql`select synopsis from anime_synopsis where mal_id = 291`;
      assert.equal(row?.synopsis, 'First line\r\nsecond "quoted" line\nthird, with comma');
    },
  },
  {
    name: "invalid UTF-8 bytes keep their exact bytes in quarantine",
    files: () => ({
      "anime.csv": appended("anime.csv", [
        badName(),
      ]),
      "animelist.csv": appended("animelist.csv", [bytes("500", [0xc3], ",1,5,2,3")]),
    }),
    rejects: [
      `anime.csv:${NEXT_LINE.anime} invalid_encoding column "Name" is not valid UTF-8 | ${
        animeLine(301, { Name: "Bad \ufffd\ufffd name" })
      }`,
      // animelist.csv is validated as bytes: a broken byte in a number is not a number.
      `animelist.csv:${NEXT_LINE.list} invalid_value column "user_id": "500\ufffd" is not an integer | 500\ufffd,1,5,2,3`,
    ],
    check: async (sql, { summary }) => {
      const kept = await sql`
        select encode(raw_bytes, 'hex') as hex from etl.rejects
        where run_id = ${summary.runId} order by source_key`;
      assert.deepEqual(kept.map((row) => row.hex), [
        hex(badName()),
        hex(bytes("500", [0xc3], ",1,5,2,3")),
      ]);
    },
  },
  {
    name: "a NUL byte is quarantined, shown as U+2400, its bytes kept",
    files: () => ({
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        bytes("291,Name,7.5,Action,before", [0], "after"),
      ]),
      "animelist.csv": appended("animelist.csv", [bytes("500,1,5", [0], ",2,3")]),
    }),
    rejects: [
      `anime_with_synopsis.csv:${NEXT_LINE.synopsis} invalid_encoding column "sypnopsis" contains a NUL byte | 291,Name,7.5,Action,before\u2400after`,
      `animelist.csv:${NEXT_LINE.list} invalid_value column "rating": "5\\u0000" is not an integer | 500,1,5\u2400,2,3`,
    ],
    check: async (sql, { summary }) => {
      const kept = await sql`
        select encode(raw_bytes, 'hex') as hex from etl.rejects
        where run_id = ${summary.runId} order by source_key`;
      assert.deepEqual(kept.map((row) => row.hex), [
        hex(bytes("291,Name,7.5,Action,before", [0], "after")),
        hex(bytes("500,1,5", [0], ",2,3")),
      ]);
    },
  },
  {
    name: "a 5 MB field is loaded whole; a 5 MB number is quarantined with a short detail",
    files: () => ({
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        `291,Name,7.5,Action,"${"word, ".repeat(714_285)}end"`,
      ]),
      "animelist.csv": appended("animelist.csv", [`500,1,5,2,${"9".repeat(5_000_000)}`]),
    }),
    rejects: [
      `animelist.csv:${NEXT_LINE.list} out_of_range ${
        `column "watched_episodes": ${"9".repeat(5_000_000)}`.slice(0, 300)
      }… | ${shown(`500,1,5,2,${"9".repeat(5_000_000)}`)}`,
    ],
    check: async (sql) => {
      const [row] = await sql`select length(synopsis) as n from anime_synopsis where mal_id = 291`;
      assert.equal(row?.n, "word, ".length * 714_285 + 3);
    },
  },
  {
    name: "CRLF, LF and CR line endings mixed in one file",
    files: () => {
      const lines = listRows.map((row) => row.join(","));
      const endings = ["\r\n", "\n", "\r"];
      return {
        "animelist.csv": LIST_HEADER + "\r\n" +
          lines.map((line, i) => line + endings[i % 3]).join("") + "500,1,99,2,3\r\n",
      };
    },
    rejects: [
      `animelist.csv:${NEXT_LINE.list} out_of_range column "rating": 99 is outside 0..10 | 500,1,99,2,3`,
    ],
    check: (sql) => assertAnimeList(sql, listRows),
  },
  {
    name: "a UTF-8 byte order mark before the header",
    files: () => ({
      "anime.csv": bytes([0xef, 0xbb, 0xbf], BASE["anime.csv"]!),
      "watching_status.csv": bytes([0xef, 0xbb, 0xbf], WATCHING_STATUS_CSV),
    }),
    rejects: [],
    rowsRead: { "anime.csv": ANIME_IDS, "watching_status.csv": 5 },
  },
  {
    name: "non-integer, negative, overflowing and float-formatted integers",
    files: () => ({
      "anime.csv": appended("anime.csv", [
        animeLine(301, { Members: "12.5" }),
        animeLine(302, { Episodes: "-1" }),
        animeLine(303, { Favorites: "99999999999" }),
        animeLine(304, { "Score-10": "229170.0", Ranked: "7.0" }),
      ]),
      "animelist.csv": appended("animelist.csv", [
        "500,1,abc,2,3",
        "500,2,5,2,-3",
        "99999999999,3,5,2,3",
        "500,4,7.0,2,24.0",
        "500,5,\t5,2,3",
      ]),
    }),
    rejects: [
      `anime.csv:${NEXT_LINE.anime} invalid_value column "Members": "12.5" is not an integer | ${
        animeLine(301, { Members: "12.5" })
      }`,
      `anime.csv:${
        NEXT_LINE.anime + 1
      } out_of_range column "Episodes": -1 is outside 0..2147483647 | ${
        animeLine(302, { Episodes: "-1" })
      }`,
      `anime.csv:${
        NEXT_LINE.anime + 2
      } out_of_range column "Favorites": 99999999999 is outside 0..2147483647 | ${
        animeLine(303, { Favorites: "99999999999" })
      }`,
      `animelist.csv:${NEXT_LINE.list} invalid_value column "rating": "abc" is not an integer | 500,1,abc,2,3`,
      `animelist.csv:${
        NEXT_LINE.list + 1
      } out_of_range column "watched_episodes": -3 is outside 0..2147483647 | 500,2,5,2,-3`,
      `animelist.csv:${
        NEXT_LINE.list + 2
      } out_of_range column "user_id": 99999999999 is outside 0..2147483647 | 99999999999,3,5,2,3`,
      `animelist.csv:${
        NEXT_LINE.list + 4
      } invalid_value column "rating": "\\t5" is not an integer | 500,5,\t5,2,3`,
    ],
    check: async (sql) => {
      const [list] = await sql`select user_id, anime_id, rating, watching_status, watched_episodes
        from anime_list where user_id = 500 and anime_id = 4`;
      assert.deepEqual({ ...list }, {
        user_id: 500,
        anime_id: 4,
        rating: 7,
        watching_status: 2,
        watched_episodes: 24,
      });
      const [anime] = await sql`
        select ranked, score_10 from anime_meta join anime_score_details using (mal_id)
        where mal_id = 304`;
      assert.deepEqual({ ...anime }, { ranked: 7, score_10: 229170 });
    },
  },
  {
    name: "Unknown and empty strings in every nullable column become NULL; a status is required",
    files: () => {
      const nullable = ANIME_COLUMNS.map((column) => column.source)
        .filter((name) => name !== "MAL_ID" && name !== "Name");
      const all = (value: string) => Object.fromEntries(nullable.map((name) => [name, value]));
      return {
        "anime.csv": appended("anime.csv", [
          animeLine(301, all("Unknown")),
          animeLine(302, all("")),
        ]),
        "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
          "301,Name,Unknown,Unknown,Unknown",
          "302,,,,",
        ]),
        "animelist.csv": appended("animelist.csv", ["500,301,0,Unknown,0", "500,302,0,,0"]),
      };
    },
    // Every analyst question groups the fact by status: there it is required, not nullable.
    rejects: [
      `animelist.csv:${NEXT_LINE.list} missing_value column "watching_status": a value is required | 500,301,0,Unknown,0`,
      `animelist.csv:${
        NEXT_LINE.list + 1
      } missing_value column "watching_status": a value is required | 500,302,0,,0`,
    ],
    check: async (sql) => {
      const rows = await sql`
        select * from anime_master join anime_meta using (mal_id)
          join anime_score_details using (mal_id) join anime_synopsis using (mal_id)
        where mal_id in (301, 302) order by mal_id`;
      assert.equal(rows.length, 2);
      for (const row of rows) {
        const { mal_id, name, ...rest } = row;
        assert.equal(name, "Some Anime", `mal_id ${mal_id}`);
        assert.deepEqual(
          Object.entries(rest).filter(([, value]) => value !== null),
          [],
          `mal_id ${mal_id} has only NULLs`,
        );
      }
      const genres = await sql`select count(*)::int as n from anime_genre where mal_id > 300`;
      assert.equal(genres[0]?.n, 0);
      const [column] = await sql`
        select is_nullable from information_schema.columns
        where table_schema = 'public' and table_name = 'anime_list'
          and column_name = 'watching_status'`;
      assert.equal(column?.is_nullable, "NO");
    },
  },
  {
    name: "duplicate primary keys inside a file: the first line wins",
    files: () => ({
      "anime.csv": appended("anime.csv", [animeLine(5, { Name: "Repeat" })]),
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        "7,Name,7.5,Action,Repeat",
      ]),
      "animelist.csv": appended("animelist.csv", ["1,1,9,2,12", "1,1,3,4,1"]),
    }),
    rejects: [
      `anime.csv:${NEXT_LINE.anime} duplicate_key key 5 already loaded from line 6 | ${
        animeLine(5, { Name: "Repeat" })
      }`,
      `anime_with_synopsis.csv:${NEXT_LINE.synopsis} duplicate_key key 7 already loaded from line 8 | 7,Name,7.5,Action,Repeat`,
      `animelist.csv:${NEXT_LINE.list} duplicate_key (user_id 1, anime_id 1) repeats an earlier line | 1,1,9,2,12`,
      `animelist.csv:${
        NEXT_LINE.list + 1
      } duplicate_key (user_id 1, anime_id 1) repeats an earlier line | 1,1,3,4,1`,
    ],
    check: async (sql) => {
      const [first] = await sql`select rating from anime_list where user_id = 1 and anime_id = 1`;
      assert.equal(first?.rating, 0, "line 2 (rating 0) won");
      const [anime] = await sql`select name from anime_master where mal_id = 5`;
      assert.equal(anime?.name, "Some Anime");
    },
  },
  {
    name: "hidden decimals in a Score and a tab before a number are refused exactly; " +
      "rows referring to a quarantined anime say why",
    files: () => ({
      "anime.csv": appended("anime.csv", [
        animeLine(301, { Score: "8.1299999999999999" }),
        animeLine(302, { Members: "\t12" }),
      ]),
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        "301,Name,8.13,Action,Synopsis 301",
      ]),
      "animelist.csv": appended("animelist.csv", ["500,301,5,2,3", "500,303,5,2,3"]),
    }),
    rejects: [
      `anime.csv:${NEXT_LINE.anime} invalid_value column "Score": 8.1299999999999999 has more ` +
      `than two decimals | ${animeLine(301, { Score: "8.1299999999999999" })}`,
      // A tab is not padding: the detail shows it (it used to vanish in a trim).
      `anime.csv:${NEXT_LINE.anime + 1} invalid_value column "Members": "\\t12" is not an ` +
      `integer | ${animeLine(302, { Members: "\t12" })}`,
      `anime_with_synopsis.csv:${NEXT_LINE.synopsis} unknown_anime_id MAL_ID 301 was ` +
      `quarantined in anime.csv (line ${NEXT_LINE.anime}: invalid_value) | 301,Name,8.13,Action,Synopsis 301`,
      `animelist.csv:${NEXT_LINE.list} unknown_anime_id anime_id 301 was quarantined in ` +
      `anime.csv (line ${NEXT_LINE.anime}: invalid_value) | 500,301,5,2,3`,
      `animelist.csv:${
        NEXT_LINE.list + 1
      } unknown_anime_id anime_id 303 is not in anime.csv | 500,303,5,2,3`,
    ],
  },
  {
    name: "both animelist.csv and animelist.csv.gz under the prefix",
    files: async () => ({
      "animelist.csv.gz": await gzip(BASE["animelist.csv"] as string),
      "anime.csv.gz": await gzip(BASE["anime.csv"] as string),
    }),
    error: {
      code: "SOURCE_AMBIGUOUS",
      message: new RegExp(
        `^Cannot choose the source files in bucket "[a-z0-9-]+": both "${PREFIX}anime\\.csv" ` +
          `and "${PREFIX}anime\\.csv\\.gz", both "${PREFIX}animelist\\.csv" and ` +
          `"${PREFIX}animelist\\.csv\\.gz" exist; remove the one that is not current$`,
      ),
    },
    check: async (sql, { summary }) => {
      const [files] = await sql`
        select count(*)::int as n from etl.run_files where run_id = ${summary.runId}`;
      assert.equal(files?.n, 0, "nothing was read");
    },
  },
  {
    name: "one quoted record covering more than 1% of the lines fails the run",
    files: () => ({
      "anime_with_synopsis.csv": appended("anime_with_synopsis.csv", [
        `9999,Orphan,7.5,Action,"${
          Array.from({ length: 20 }, (_, i) => `paragraph ${i + 1}`).join("\n")
        }"`,
      ]),
    }),
    error: {
      code: "REJECT_THRESHOLD",
      message: `Cannot publish "${PREFIX}anime_with_synopsis.csv": 1 of 291 rows (0.34%) ` +
        "covering 20 of 310 lines (6.45%) quarantined, limit 1.00%: unknown_anime_id 1; " +
        "see etl.rejects",
    },
    check: async (sql, { summary }) => {
      const [reject] = await sql`
        select line_number::int as line, line_count from etl.rejects
        where run_id = ${summary.runId}`;
      assert.deepEqual({ ...reject }, { line: NEXT_LINE.synopsis, line_count: 20 });
    },
  },
  {
    name: "a corrupt gzip object",
    files: () => ({
      "animelist.csv": null,
      "animelist.csv.gz": bytes([0x1f, 0x8b, 0x08, 0x00], "this is not deflate data at all"),
    }),
    error: {
      code: "SOURCE_CORRUPT",
      message: new RegExp(
        `^Cannot decompress "[a-z0-9-]+/${PREFIX}animelist\\.csv\\.gz": not a valid gzip stream \\(.+\\)$`,
      ),
    },
  },
  {
    name: "a truncated gzip object",
    files: async () => ({
      "animelist.csv": null,
      "animelist.csv.gz": (await gzip(BASE["animelist.csv"] as string)).slice(0, 2000),
    }),
    error: {
      code: "SOURCE_CORRUPT",
      message: new RegExp(
        `^Cannot decompress "[a-z0-9-]+/${PREFIX}animelist\\.csv\\.gz": not a valid gzip stream \\(.+\\)$`,
      ),
    },
  },
  {
    name: "a valid gzip object loads like the plain file",
    files: async () => ({
      "animelist.csv": null,
      "animelist.csv.gz": await gzip(BASE["animelist.csv"] as string),
    }),
    rejects: [],
    check: (sql) => assertAnimeList(sql, listRows),
  },
  {
    name: "exactly 1% quarantined publishes",
    files: () => ({
      // 990 good rows and 10 bad ones: 10 / 1000 is not more than 1%.
      "animelist.csv": `${LIST_HEADER}\n${listText(listRows.slice(0, 990))}\n${
        Array.from({ length: 10 }, (_, i) => `600,${i + 1},11,2,3`).join("\n")
      }\n`,
    }),
    rejects: Array.from(
      { length: 10 },
      (_, i) =>
        `animelist.csv:${992 + i} out_of_range column "rating": 11 is outside 0..10 | 600,${
          i + 1
        },11,2,3`,
    ),
    rowsRead: { "animelist.csv": 1000 },
  },
  {
    name: "more than 1% quarantined fails the run, keeping the rejects",
    files: () => ({
      "animelist.csv": appended(
        "animelist.csv",
        Array.from({ length: 11 }, (_, i) => `600,${i + 1},11,2,3`),
      ),
    }),
    error: {
      code: "REJECT_THRESHOLD",
      message: `Cannot publish "${PREFIX}animelist.csv": 11 of 1011 rows (1.09%) covering 11 of ` +
        "1011 lines (1.09%) quarantined, limit 1.00%: out_of_range 11; see etl.rejects",
    },
    check: async (sql, { summary }) => {
      const [kept] = await sql`
        select count(*)::int as n from etl.rejects where run_id = ${summary.runId}`;
      assert.equal(kept?.n, 11);
    },
  },
  {
    name: "the threshold is configurable",
    threshold: 0.05,
    files: () => ({
      "animelist.csv": appended(
        "animelist.csv",
        Array.from({ length: 11 }, (_, i) => `600,${i + 1},11,2,3`),
      ),
    }),
    rejects: Array.from(
      { length: 11 },
      (_, i) =>
        `animelist.csv:${
          NEXT_LINE.list + i
        } out_of_range column "rating": 11 is outside 0..10 | 600,${i + 1},11,2,3`,
    ),
  },
];

async function assertAnimeList(sql: ReturnType<typeof connectTo>, rows: number[][]) {
  const loaded = await sql<{ row: string }[]>`
    select concat_ws(',', user_id, anime_id, rating, watching_status, watched_episodes) as row
    from anime_list where user_id < 500 order by user_id, anime_id`;
  const expected = rows.map((row) => row.join(",")).sort((a, b) => {
    const [ua, aa] = a.split(",").map(Number);
    const [ub, ab] = b.split(",").map(Number);
    return ua! - ub! || aa! - ab!;
  });
  assert.deepEqual(loaded.map((entry) => entry.row), expected);
}

/**
 * Every line of the uploaded object is in etl.run_files' accounting, which adds up, and the stored
 * rejects cover exactly the quarantined lines.
 */
async function assertLinesAccounted(
  sql: ReturnType<typeof connectTo>,
  { summary, files }: Outcome,
  key: string,
) {
  const [row] = await sql<
    {
      total: number;
      header: number;
      loaded: number;
      quarantined: number;
      blank: number;
      stored: number;
    }[]
  >`
    select lines_total::int as total, lines_header::int as header, lines_loaded::int as loaded,
      lines_quarantined::int as quarantined, lines_blank::int as blank,
      (select coalesce(sum(line_count), 0)::int from etl.rejects r
        where r.run_id = f.run_id and r.source_key = f.source_key) as stored
    from etl.run_files f where run_id = ${summary.runId} and source_key = ${key}`;
  const name = key.slice(PREFIX.length);
  assert.equal(
    row?.total,
    await physicalLines(files[name]!, name.endsWith(".gz")),
    `${name} lines`,
  );
  assert.equal(row.header + row.loaded + row.quarantined + row.blank, row.total, `${name} adds up`);
  assert.equal(row.stored, row.quarantined, `${name} rejects cover the quarantined lines`);
  const summarised = summary.files.find((file) => file.key === key)!.lines;
  assert.deepEqual(summarised, {
    total: row.total,
    header: row.header,
    loaded: row.loaded,
    quarantined: row.quarantined,
    blank: row.blank,
  });
}

async function runCase(store: TestStore, db: DbSettings, testCase: Case): Promise<Outcome> {
  const bucket = uniqueBucket("bad");
  await store.createBucket(bucket);
  const files: Files = { ...BASE };
  for (const [name, body] of Object.entries(await testCase.files())) {
    if (body === null) delete files[name];
    else files[name] = body;
  }
  await uploadFiles(store, bucket, PREFIX, files);
  const targets = targetsFor(store.settings(bucket, PREFIX), db, testCase.threshold ?? 0.01);
  return {
    summary: await within(120, testCase.name, runEtl(targets, { force: true })),
    db,
    files,
  };
}

async function assertPublished(outcome: Outcome, testCase: Case) {
  const { summary, db } = outcome;
  assert.equal(summary.status, "succeeded", summary.error?.message);
  const sql = connectTo(db);
  try {
    const rejects = await sql<
      { file: string; line: string; reason: string; detail: string; raw: string }[]
    >`
      select split_part(source_key, '/', 2) as file, line_number as line, reason, detail, raw
      from etl.rejects where run_id = ${summary.runId} order by source_key, line_number`;
    assert.deepEqual(
      rejects.map((r) => `${r.file}:${r.line} ${r.reason} ${r.detail} | ${shown(r.raw)}`),
      testCase.rejects,
    );
    // Counts reconcile: per file read = loaded + quarantined, the rejects are all stored, and
    // every loaded row is in its table.
    const tableOf: Record<string, string> = {
      "watching_status.csv": "anime_watching_status",
      "anime.csv": "anime_master",
      "anime_with_synopsis.csv": "anime_synopsis",
      "animelist.csv": "anime_list",
    };
    for (const file of summary.files) {
      assert.equal(file.rowsRead, file.rowsLoaded + file.rowsQuarantined, file.file);
      const stored = rejects.filter((reject) => file.key.endsWith(`/${reject.file}`)).length;
      assert.equal(stored, file.rowsQuarantined, `${file.file} rejects stored`);
      const [count] = await sql.unsafe(`select count(*)::int as n from ${tableOf[file.file]}`);
      assert.equal(count?.n, file.rowsLoaded, `${file.file} rows in ${tableOf[file.file]}`);
      const expectedRead = testCase.rowsRead?.[file.key.slice(PREFIX.length).replace(/\.gz$/, "")];
      if (expectedRead !== undefined) assert.equal(file.rowsRead, expectedRead, file.file);
      await assertLinesAccounted(sql, outcome, file.key);
    }
    await testCase.check?.(sql, outcome);
  } finally {
    await sql.end();
  }
}

Deno.test(
  "bad input: each kind is quarantined with its line or fails clearly",
  async (t) => {
    const store = await startTestStore();
    try {
      // Failing cases run against a database with published data, which must not change.
      const published = await freshDatabase("bad");
      const baseline = await runCase(store, published, { name: "baseline", files: () => ({}) });
      assert.equal(baseline.summary.status, "succeeded", baseline.summary.error?.message);
      const before = await publishedFingerprint(published);
      for (const testCase of CASES) {
        await t.step(testCase.name, async () => {
          if (testCase.error) {
            const outcome = await runCase(store, published, testCase);
            const { summary } = outcome;
            assert.equal(summary.status, "failed");
            assert.equal(summary.error?.code, testCase.error.code, summary.error?.message);
            if (typeof testCase.error.message === "string") {
              assert.equal(summary.error?.message, testCase.error.message);
            } else {
              assert.match(summary.error!.message, testCase.error.message);
            }
            await assertNothingPublished(published, summary.runId, before, summary.error!);
            if (testCase.check) {
              const sql = connectTo(published);
              try {
                await testCase.check(sql, outcome);
              } finally {
                await sql.end();
              }
            }
          } else {
            await assertPublished(
              await runCase(store, await freshDatabase("bad"), testCase),
              testCase,
            );
          }
        });
      }
    } finally {
      await store.close();
    }
  },
);
