// Tests for the animelist.csv encoder: decodes its binary COPY output and checks every reject path.
import assert from "node:assert/strict";
import { CsvScanner, fieldText, rawText } from "../lib/extract/csv_scanner.ts";
import { ANIME_LIST_COLUMNS, AnimeListEncoder } from "../lib/transform/anime_list_encoder.ts";
import { mapHeaderNames } from "../lib/extract/header_map.ts";
import type { RejectReason } from "../lib/transform/values.ts";

const encoder = new TextEncoder();
const HEADER = "user_id,anime_id,rating,watching_status,watched_episodes";
const LOADED_ANIME_IDS = [1, 5, 67, 6702, 2147483647 % 100_000];
const DEFINED_STATUSES = [1, 2, 3, 4, 6];

/** One decoded COPY tuple. */
interface Row {
  userId: number;
  animeId: number;
  rating: number;
  status: number;
  episodes: number;
  line: number;
}

interface Reject {
  line: number;
  reason: RejectReason;
  detail: string;
  raw: string;
}

interface Encoded {
  buffers: Uint8Array[];
  rows: Row[];
  rejects: Reject[];
  rowsEncoded: number;
}

function rules(
  reject: (
    record: Parameters<AnimeListEncoder["encode"]>[0],
    reason: RejectReason,
    detail: string,
  ) => void,
) {
  const animeIds = new Uint8Array(100_000);
  for (const id of LOADED_ANIME_IDS) animeIds[id] = 1;
  const statuses = new Uint8Array(8);
  for (const code of DEFINED_STATUSES) statuses[code] = 1;
  return {
    animeIds,
    statuses,
    quarantinedAnime: new Map([[284, { line: 100, reason: "invalid_value" as const }]]),
    quarantinedStatuses: new Map([[7, { line: 6, reason: "malformed_csv" as const }]]),
    sourceId: 3,
    reject,
  };
}

/** Scans `text` (header first) in chunks, encodes every data record and decodes the output. */
function encodeCsv(text: string, chunkBytes = 64 * 1024): Encoded {
  const rejects: Reject[] = [];
  const buffers: Uint8Array[] = [];
  const acceptedLines: number[] = [];
  let listEncoder: AnimeListEncoder | undefined;
  const scanner = new CsvScanner("animelist.csv", (record) => {
    if (listEncoder === undefined) {
      const names = Array.from({ length: record.fieldCount }, (_, i) => fieldText(record, i));
      const header = mapHeaderNames(names, ANIME_LIST_COLUMNS, "animelist.csv");
      listEncoder = new AnimeListEncoder(
        header,
        rules((rejected, reason, detail) => {
          rejects.push({ line: rejected.line, reason, detail, raw: rawText(rejected) });
        }),
      );
      return;
    }
    // The binary rows carry no line; encode's verdict pairs each accepted row with its line.
    const accepted = listEncoder.encode(record);
    if (accepted) acceptedLines.push(record.line);
    assert.equal(accepted, rejects.at(-1)?.line !== record.line);
  });
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    scanner.push(bytes.subarray(at, at + chunkBytes));
    if (listEncoder !== undefined) buffers.push(...listEncoder.takeOutput());
  }
  scanner.finish();
  assert.ok(listEncoder !== undefined, "no header");
  buffers.push(...listEncoder.finish());
  const rows = decodeCopy(buffers);
  assert.deepEqual(rows.map((row) => row.line), acceptedLines);
  assert.equal(rows.length, acceptedLines.length);
  return { buffers, rows, rejects, rowsEncoded: listEncoder.rowsEncoded };
}

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

/** Decodes PostgreSQL binary COPY of (int4, int4, int2, int2, int4, int2, int4) tuples. */
function decodeCopy(buffers: Uint8Array[]): Row[] {
  const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    bytes.set(buffer, offset);
    offset += buffer.length;
  }
  const view = new DataView(bytes.buffer);
  assert.deepEqual(Array.from(bytes.subarray(0, 11)), SIGNATURE, "PGCOPY signature");
  assert.equal(view.getInt32(11), 0, "flags");
  assert.equal(view.getInt32(15), 0, "header extension length");
  let at = 19;
  const rows: Row[] = [];
  const field = (expectedLength: number): number => {
    const length = view.getInt32(at);
    at += 4;
    assert.equal(length, expectedLength, `field length at byte ${at - 4}`);
    const value = length === 2 ? view.getInt16(at) : view.getInt32(at);
    at += length;
    return value;
  };
  for (;;) {
    const fieldCount = view.getInt16(at);
    at += 2;
    if (fieldCount === -1) break;
    assert.equal(fieldCount, 7, `field count at byte ${at - 2}`);
    const row = {
      userId: field(4),
      animeId: field(4),
      rating: field(2),
      status: field(2),
      episodes: field(4),
    };
    assert.equal(field(2), 3, "source_id");
    rows.push({ ...row, line: field(4) });
  }
  assert.equal(at, bytes.length, "trailer is the last thing written");
  return rows;
}

Deno.test("AnimeListEncoder writes exact binary COPY bytes", () => {
  const { buffers } = encodeCsv(`${HEADER}\n258,67,9,6,300\n`);
  const expected = [
    ...SIGNATURE,
    ...[0, 0, 0, 0, 0, 0, 0, 0],
    ...[0, 7],
    ...[0, 0, 0, 4, 0, 0, 1, 2],
    ...[0, 0, 0, 4, 0, 0, 0, 67],
    ...[0, 0, 0, 2, 0, 9],
    ...[0, 0, 0, 2, 0, 6],
    ...[0, 0, 0, 4, 0, 0, 1, 44],
    ...[0, 0, 0, 2, 0, 3],
    ...[0, 0, 0, 4, 0, 0, 0, 2],
    ...[0xff, 0xff],
  ];
  assert.deepEqual(buffers.flatMap((buffer) => Array.from(buffer)), expected);
});

Deno.test("AnimeListEncoder encodes accepted rows with their values and source lines", async (t) => {
  const cases: { name: string; csv: string; rows: Row[] }[] = [
    {
      name: "Kaggle format",
      csv: `${HEADER}\n0,67,9,1,1\n0,6702,7,1,4\n1,5,0,2,0\n`,
      rows: [
        { userId: 0, animeId: 67, rating: 9, status: 1, episodes: 1, line: 2 },
        { userId: 0, animeId: 6702, rating: 7, status: 1, episodes: 4, line: 3 },
        { userId: 1, animeId: 5, rating: 0, status: 2, episodes: 0, line: 4 },
      ],
    },
    {
      name: "float-formatted, signed, padded, zero-led and quoted integers",
      csv: `${HEADER}\n7,67,5.0,6,12.00\n+8, 67 ,10,4,-0\n0009,"5",3,3,00000000042\n`,
      rows: [
        { userId: 7, animeId: 67, rating: 5, status: 6, episodes: 12, line: 2 },
        { userId: 8, animeId: 67, rating: 10, status: 4, episodes: 0, line: 3 },
        { userId: 9, animeId: 5, rating: 3, status: 3, episodes: 42, line: 4 },
      ],
    },
    {
      name: "largest int4 values",
      csv: `${HEADER}\n2147483647,1,1,1,2147483647\n`,
      rows: [
        { userId: 2147483647, animeId: 1, rating: 1, status: 1, episodes: 2147483647, line: 2 },
      ],
    },
    {
      name: "modified format: pandas index column first, columns reordered",
      csv: ",anime_id,watched_episodes,user_id,watching_status,rating\n" +
        "37557744,67,1,0,1,9\n108104054,6702,4,12,6,0\n",
      rows: [
        { userId: 0, animeId: 67, rating: 9, status: 1, episodes: 1, line: 2 },
        { userId: 12, animeId: 6702, rating: 0, status: 6, episodes: 4, line: 3 },
      ],
    },
    {
      name: "CRLF, a blank line and a last line without newline keep source lines",
      csv: `${HEADER}\r\n1,67,9,1,1\r\n\r\n2,67,8,2,2`,
      rows: [
        { userId: 1, animeId: 67, rating: 9, status: 1, episodes: 1, line: 2 },
        { userId: 2, animeId: 67, rating: 8, status: 2, episodes: 2, line: 4 },
      ],
    },
  ];
  for (const { name, csv, rows } of cases) {
    await t.step(name, () => {
      const encoded = encodeCsv(csv);
      assert.deepEqual(encoded.rejects, []);
      assert.deepEqual(encoded.rows, rows);
      assert.equal(encoded.rowsEncoded, rows.length);
    });
  }
});

Deno.test("AnimeListEncoder quarantines bad records with the exact reason and detail", async (t) => {
  const cases: { name: string; row: string; reason: RejectReason; detail: string }[] = [
    {
      name: "too few fields",
      row: "1,67,9",
      reason: "malformed_csv",
      detail: "expected 5 fields, found 3",
    },
    {
      name: "trailing comma adds a field",
      row: "1,67,9,1,1,",
      reason: "malformed_csv",
      detail: "expected 5 fields, found 6",
    },
    {
      name: "text after a closing quote",
      row: '1,"67"x,9,1,1',
      reason: "malformed_csv",
      detail: "unexpected text after the closing quote of field 2",
    },
    {
      name: "empty user_id",
      row: ",67,9,1,1",
      reason: "missing_value",
      detail: 'column "user_id": a value is required',
    },
    {
      name: "blank rating",
      row: "1,67,  ,1,1",
      reason: "missing_value",
      detail: 'column "rating": a value is required',
    },
    {
      name: "empty watched_episodes",
      row: "1,67,9,1,",
      reason: "missing_value",
      detail: 'column "watched_episodes": a value is required',
    },
    {
      name: "word in user_id",
      row: "abc,67,9,1,1",
      reason: "invalid_value",
      detail: 'column "user_id": "abc" is not an integer',
    },
    {
      name: "fractional rating",
      row: "1,67,1.5,1,1",
      reason: "invalid_value",
      detail: 'column "rating": "1.5" is not an integer',
    },
    {
      name: "Unknown rating",
      row: "1,67,Unknown,1,1",
      reason: "missing_value",
      detail: 'column "rating": a value is required',
    },
    {
      name: "empty watching_status",
      row: "1,67,9,,1",
      reason: "missing_value",
      detail: 'column "watching_status": a value is required',
    },
    {
      name: "blank watching_status",
      row: "1,67,9, ,1",
      reason: "missing_value",
      detail: 'column "watching_status": a value is required',
    },
    {
      name: "Unknown watching_status, any case, with spaces",
      row: "1,67,9, UNKNOWN ,1",
      reason: "missing_value",
      detail: 'column "watching_status": a value is required',
    },
    {
      name: "a tab before a number is shown, not trimmed away",
      row: "1,67,\t5,1,1",
      reason: "invalid_value",
      detail: 'column "rating": "\\t5" is not an integer',
    },
    {
      name: "spaces around an invalid value are shown as written",
      row: "1,67, 5x ,1,1",
      reason: "invalid_value",
      detail: 'column "rating": " 5x " is not an integer',
    },
    {
      name: "sign without digits in anime_id",
      row: "1,-,9,1,1",
      reason: "invalid_value",
      detail: 'column "anime_id": "-" is not an integer',
    },
    {
      name: "word in watching_status",
      row: "1,67,9,abc,1",
      reason: "invalid_value",
      detail: 'column "watching_status": "abc" is not an integer',
    },
    {
      name: "rating 11",
      row: "1,67,11,1,1",
      reason: "out_of_range",
      detail: 'column "rating": 11 is outside 0..10',
    },
    {
      name: "negative rating",
      row: "1,67,-1,1,1",
      reason: "out_of_range",
      detail: 'column "rating": -1 is outside 0..10',
    },
    {
      name: "negative user_id",
      row: "-5,67,9,1,1",
      reason: "out_of_range",
      detail: 'column "user_id": -5 is outside 0..2147483647',
    },
    {
      name: "user_id beyond int4",
      row: "99999999999,67,9,1,1",
      reason: "out_of_range",
      detail: 'column "user_id": 99999999999 is outside 0..2147483647',
    },
    {
      name: "anime_id just beyond int4",
      row: "1,2147483648,9,1,1",
      reason: "out_of_range",
      detail: 'column "anime_id": 2147483648 is outside 0..2147483647',
    },
    {
      name: "negative watched_episodes",
      row: "1,67,9,1,-3",
      reason: "out_of_range",
      detail: 'column "watched_episodes": -3 is outside 0..2147483647',
    },
    {
      name: "watching_status beyond int2",
      row: "1,67,9,40000,1",
      reason: "out_of_range",
      detail: 'column "watching_status": 40000 is outside 0..32767',
    },
    {
      name: "negative watching_status",
      row: "1,67,9,-1,1",
      reason: "out_of_range",
      detail: 'column "watching_status": -1 is outside 0..32767',
    },
    {
      name: "watching_status 5 is not defined",
      row: "1,67,9,5,1",
      reason: "unknown_watching_status",
      detail: "watching_status 5 is not in watching_status.csv",
    },
    {
      name: "watching_status 0 is not defined",
      row: "1,67,9,0.0,1",
      reason: "unknown_watching_status",
      detail: "watching_status 0 is not in watching_status.csv",
    },
    {
      name: "watching_status past the known codes",
      row: "1,67,9,300,1",
      reason: "unknown_watching_status",
      detail: "watching_status 300 is not in watching_status.csv",
    },
    {
      name: "anime_id not in anime.csv",
      row: "1,99,9,1,1",
      reason: "unknown_anime_id",
      detail: "anime_id 99 is not in anime.csv",
    },
    {
      name: "anime_id that anime.csv quarantined",
      row: "1,284,9,1,1",
      reason: "unknown_anime_id",
      detail: "anime_id 284 was quarantined in anime.csv (line 100: invalid_value)",
    },
    {
      name: "watching_status that watching_status.csv quarantined",
      row: "1,67,9,7,1",
      reason: "unknown_watching_status",
      detail: "watching_status 7 was quarantined in watching_status.csv (line 6: malformed_csv)",
    },
    {
      name: "anime_id past the loaded ids",
      row: "1,5000000,9,1,1",
      reason: "unknown_anime_id",
      detail: "anime_id 5000000 is not in anime.csv",
    },
  ];
  for (const { name, row, reason, detail } of cases) {
    await t.step(name, () => {
      const encoded = encodeCsv(`${HEADER}\n0,67,9,1,1\n${row}\n1,5,8,2,3\n`);
      assert.deepEqual(encoded.rejects, [{ line: 3, reason, detail, raw: row }]);
      assert.deepEqual(encoded.rows.map((decoded) => decoded.line), [2, 4]);
      assert.equal(encoded.rowsEncoded, 2);
    });
  }
});

Deno.test("AnimeListEncoder rotates its 1 MB buffers without losing rows", async (t) => {
  const rowCount = 70_000;
  const statusTexts = ["1", "2", "3", "4", "6", " 2 ", "6.0"];
  const lines = [HEADER];
  const expected: Row[] = [];
  for (let i = 0; i < rowCount; i++) {
    const animeId = LOADED_ANIME_IDS[i % LOADED_ANIME_IDS.length]!;
    const statusText = statusTexts[i % statusTexts.length]!;
    const row = {
      userId: 1_000_000 + i,
      animeId,
      rating: i % 11,
      status: Number(statusText),
      episodes: i % 1000,
      line: i + 2,
    };
    lines.push(`${row.userId},${animeId},${row.rating},${statusText},${row.episodes}`);
    expected.push(row);
  }
  const csv = `${lines.join("\n")}\n`;

  for (const chunkBytes of [64 * 1024, csv.length]) {
    await t.step(`chunks of ${chunkBytes} bytes`, () => {
      const encoded = encodeCsv(csv, chunkBytes);
      const total = encoded.buffers.reduce((sum, buffer) => sum + buffer.length, 0);
      assert.ok(total > 2 * 1024 * 1024, `only ${total} bytes`);
      assert.ok(encoded.buffers.length >= 3, `${encoded.buffers.length} buffers`);
      for (const buffer of encoded.buffers) assert.ok(buffer.length <= 1 << 20);
      assert.deepEqual(encoded.rejects, []);
      assert.equal(encoded.rowsEncoded, rowCount);
      assert.deepEqual(encoded.rows, expected);
    });
  }
});
