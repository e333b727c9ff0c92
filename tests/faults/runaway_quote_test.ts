// A runaway quote costs only the lines it breaks: an unterminated quote at the start, the middle and
// the end of each of the four files, plain and gzip, through s3rver and PostgreSQL. Each run asserts
// the exact rows loaded, the exact rejects (line, reason, detail, raw), that the record after the
// broken line loads, and that every physical line is accounted for.
import assert from "node:assert/strict";
import type { DbSettings } from "../../lib/config/settings.ts";
import { runEtl } from "../../lib/run_etl.ts";
import { ANIME_HEADER, animeLine, csvField } from "../helpers/fixtures.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "../helpers/services.ts";
import { within } from "../helpers/observe.ts";
import { gzip, physicalLines, PREFIX, uploadFiles } from "../helpers/uploads.ts";

type Position = "start" | "middle" | "end";

// watching_status.csv with three codes no list row uses, so that breaking one changes nothing else.
const STATUS_ROWS = [
  [7, "Extra seven"],
  [1, "Currently Watching"],
  [2, "Completed"],
  [8, "Extra eight"],
  [3, "On Hold"],
  [4, "Dropped"],
  [6, "Plan to Watch"],
  [9, "Extra nine"],
] as const;
const ANIME_IDS = 300;
const SYNOPSIS_IDS = 290;
const LIST_ROWS = 1000;
const STATUSES = [1, 2, 3, 4, 6];
const AIRED = '"Apr 3, 1998 to Apr 24, 1999"';

const listRow = (i: number) => [
  Math.floor(i / 10) + 1,
  ((i * 7) % ANIME_IDS) + 1,
  i % 11,
  STATUSES[i % 5]!,
  i % 30,
];
const synopsisText = (id: number) => `Synopsis ${id}, with a comma`;
const synopsisLine = (id: number) => `${id},Name,7.5,Action,${csvField(synopsisText(id))}`;

/** Index of the broken data row in a file of `rows` rows. */
function brokenIndex(position: Position, rows: number): number {
  return position === "start" ? 0 : position === "middle" ? Math.floor(rows / 2) - 1 : rows - 1;
}

interface Expected {
  /** Rejects, sorted by file and line: `file:line reason detail | raw`. */
  rejects: string[];
  /** Rows loaded per file. */
  loaded: Record<string, number>;
}

/** The four files with one quote left open at `position` in each, and what a run must make of them. */
function brokenFiles(position: Position): { files: Record<string, string>; expected: Expected } {
  const rejects: string[] = [];
  const cut = (file: string, line: number, problem: string, raw: string, lastLine = true) =>
    rejects.push(
      `${file}:${line} malformed_csv ${problem}${
        lastLine
          ? ""
          : `; quoted field ${problem.match(/field (\d+)/)![1]} opened on line ${line} ran on to ` +
            `line ${line + 1}, so line ${line} is quarantined alone and scanning resumed at line ${
              line + 1
            }`
      } | ${raw}`,
    );

  // watching_status.csv: a line break ends a record there, whatever the quotes say.
  const statusAt = brokenIndex(position, STATUS_ROWS.length);
  const statusLines = STATUS_ROWS.map(([code, text], i) =>
    i === statusAt ? `${code},"${text}` : `${code},${text}`
  );
  const statusLine = statusAt + 2;
  rejects.push(
    `watching_status.csv:${statusLine} malformed_csv unterminated quoted field starting at line ` +
      `${statusLine}${
        position === "end" ? "" : ": field 2 cannot hold a line break, so the line ends the record"
      } | ${statusLines[statusAt]}`,
  );

  // anime.csv: the closing quote of Aired (field 9, free text) is missing.
  const animeId = brokenIndex(position, ANIME_IDS) + 1;
  const animeLines = Array.from({ length: ANIME_IDS }, (_, i) => {
    const line = animeLine(i + 1);
    return i + 1 === animeId ? line.replace(AIRED, AIRED.slice(0, -1)) : line;
  });
  const animeBrokenLine = animeId + 1;
  const animeProblem = position === "end"
    ? `unterminated quoted field starting at line ${animeBrokenLine}`
    : `unexpected text after the closing quote of field 9 on line ${animeBrokenLine + 1}`;
  cut("anime.csv", animeBrokenLine, animeProblem, animeLines[animeId - 1]!, position === "end");
  const quarantinedAnime = `was quarantined in anime.csv (line ${animeBrokenLine}: malformed_csv)`;

  // anime_with_synopsis.csv: the closing quote of a synopsis (field 5) is missing.
  const synopsisId = brokenIndex(position, SYNOPSIS_IDS) + 1;
  const synopsisLines = Array.from({ length: SYNOPSIS_IDS }, (_, i) => {
    const line = synopsisLine(i + 1);
    return i + 1 === synopsisId ? line.slice(0, -1) : line;
  });
  const synopsisBrokenLine = synopsisId + 1;
  const synopsisProblem = position === "end"
    ? `unterminated quoted field starting at line ${synopsisBrokenLine}`
    : `unexpected text after the closing quote of field 5 on line ${synopsisBrokenLine + 1}`;
  cut(
    "anime_with_synopsis.csv",
    synopsisBrokenLine,
    synopsisProblem,
    synopsisLines[synopsisId - 1]!,
    position === "end",
  );
  let synopsisReferences = 0;
  if (animeId <= SYNOPSIS_IDS && animeId !== synopsisId) {
    synopsisReferences++;
    rejects.push(
      `anime_with_synopsis.csv:${animeId + 1} unknown_anime_id MAL_ID ${animeId} ` +
        `${quarantinedAnime} | ${synopsisLine(animeId)}`,
    );
  }

  // animelist.csv: a quote opens in the rating; numbers never hold a line break.
  const listAt = brokenIndex(position, LIST_ROWS);
  const listLines = Array.from({ length: LIST_ROWS }, (_, i) => {
    const [user, anime, rating, status, episodes] = listRow(i);
    return i === listAt
      ? `${user},${anime},"${rating},${status},${episodes}`
      : `${user},${anime},${rating},${status},${episodes}`;
  });
  let listReferences = 0;
  listLines.forEach((line, i) => {
    if (i === listAt) {
      rejects.push(
        `animelist.csv:${i + 2} malformed_csv unterminated quoted field starting at line ${
          i + 2
        }: field 3 cannot hold a line break, so the line ends the record | ${line}`,
      );
    } else if (listRow(i)[1] === animeId) {
      listReferences++;
      rejects.push(
        `animelist.csv:${i + 2} unknown_anime_id anime_id ${animeId} ${quarantinedAnime} | ${line}`,
      );
    }
  });

  const files = {
    // As published: no newline after the last line.
    "watching_status.csv": ["status, description", ...statusLines].join("\n"),
    "anime.csv": [ANIME_HEADER.map(csvField).join(","), ...animeLines].join("\n") + "\n",
    "anime_with_synopsis.csv": ["MAL_ID,Name,Score,Genres,sypnopsis", ...synopsisLines].join("\n") +
      "\n",
    "animelist.csv": ["user_id,anime_id,rating,watching_status,watched_episodes", ...listLines]
      .join("\n") + "\n",
  };
  return {
    files,
    expected: {
      rejects: sortRejects(rejects),
      loaded: {
        "watching_status.csv": STATUS_ROWS.length - 1,
        "anime.csv": ANIME_IDS - 1,
        "anime_with_synopsis.csv": SYNOPSIS_IDS - 1 - synopsisReferences,
        "animelist.csv": LIST_ROWS - 1 - listReferences,
      },
    },
  };
}

/** Rejects (`file:line ...`) by file, then line. */
function sortRejects(rejects: string[]): string[] {
  const key = (reject: string) => {
    const [file, line] = reject.split(" ")[0]!.split(":");
    return `${file} ${line!.padStart(6, "0")}`;
  };
  return [...rejects].sort((a, b) => key(a) < key(b) ? -1 : 1);
}

async function runBroken(store: TestStore, position: Position, gzipped: boolean) {
  const { files, expected } = brokenFiles(position);
  const bucket = uniqueBucket("quote");
  await store.createBucket(bucket);
  const bodies: Record<string, string | Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) {
    if (gzipped) bodies[`${name}.gz`] = await gzip(text);
    else bodies[name] = text;
  }
  await uploadFiles(store, bucket, PREFIX, bodies);
  const db = await freshDatabase("quote");
  // One broken line of watching_status.csv's eight is 12.5%: the threshold is not under test here.
  const targets = targetsFor(store.settings(bucket, PREFIX), db, 0.2);
  const summary = await within(120, `${position} quote`, runEtl(targets, { force: true }));
  assert.equal(summary.status, "succeeded", summary.error?.message);
  return { summary, db, files, expected };
}

async function assertOutcome(
  db: DbSettings,
  runId: number,
  position: Position,
  files: Record<string, string>,
  expected: Expected,
) {
  const sql = connectTo(db);
  try {
    const rejects = await sql<
      { file: string; line: string; reason: string; detail: string; raw: string }[]
    >`
      select regexp_replace(split_part(source_key, '/', 2), '\\.gz$', '') as file, line_number as line,
        reason, detail, raw
      from etl.rejects where run_id = ${runId}`;
    assert.deepEqual(
      sortRejects(rejects.map((r) => `${r.file}:${r.line} ${r.reason} ${r.detail} | ${r.raw}`)),
      expected.rejects,
    );
    const accounting = await sql<
      {
        file: string;
        loaded: number;
        quarantined: number;
        total: number;
        header: number;
        lines_loaded: number;
        lines_quarantined: number;
        blank: number;
      }[]
    >`
      select source_file as file, rows_loaded::int as loaded, rows_quarantined::int as quarantined,
        lines_total::int as total, lines_header::int as header, lines_loaded::int as lines_loaded,
        lines_quarantined::int as lines_quarantined, lines_blank::int as blank
      from etl.run_files where run_id = ${runId}`;
    for (const row of accounting) {
      const lines = await physicalLines(files[row.file]!);
      assert.equal(row.loaded, expected.loaded[row.file], `${row.file} rows loaded`);
      // Each broken quote cost exactly one line; every other line is loaded or its own reject.
      assert.deepEqual(
        {
          total: row.total,
          header: row.header,
          loaded: row.lines_loaded,
          quarantined: row.lines_quarantined,
          blank: row.blank,
        },
        { total: lines, header: 1, loaded: row.loaded, quarantined: row.quarantined, blank: 0 },
        `${row.file} lines`,
      );
    }
    if (position === "end") return;
    // The record right after each broken line loads, exactly.
    const next = brokenIndex(position, STATUS_ROWS.length) + 1;
    const [status] = await sql`select description from anime_watching_status
      where status = ${STATUS_ROWS[next]![0]}`;
    assert.equal(status?.description, STATUS_ROWS[next]![1]);
    const animeNext = brokenIndex(position, ANIME_IDS) + 2;
    const [anime] = await sql`select name from anime_master where mal_id = ${animeNext}`;
    assert.equal(anime?.name, "Some Anime");
    const synopsisNext = brokenIndex(position, SYNOPSIS_IDS) + 2;
    const [synopsis] =
      await sql`select synopsis from anime_synopsis where mal_id = ${synopsisNext}`;
    assert.equal(synopsis?.synopsis, synopsisText(synopsisNext));
    const [user, animeId, rating, statusCode, episodes] = listRow(
      brokenIndex(position, LIST_ROWS) + 1,
    );
    const [list] = await sql`select rating, watching_status, watched_episodes from anime_list
      where user_id = ${user!} and anime_id = ${animeId!}`;
    assert.deepEqual({ ...list }, {
      rating,
      watching_status: statusCode,
      watched_episodes: episodes,
    });
  } finally {
    await sql.end();
  }
}

Deno.test(
  "an unterminated quote costs only its own line, wherever it is, plain and gzip",
  async (t) => {
    const store = await startTestStore();
    try {
      for (const gzipped of [false, true]) {
        for (const position of ["start", "middle", "end"] as const) {
          await t.step(`at the ${position} of each file${gzipped ? ", gzip" : ""}`, async () => {
            const { summary, db, files, expected } = await runBroken(store, position, gzipped);
            await assertOutcome(db, summary.runId, position, files, expected);
          });
        }
      }
    } finally {
      await store.close();
    }
  },
);
