// Tests of the dimension files' byte-level fast path: whenever it takes a record, its COPY rows are
// byte for byte those of the row builder and copyRow; what it cannot vouch for it declines.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { CsvRecord } from "../lib/extract/csv_scanner.ts";
import type { HeaderMap } from "../lib/extract/header_map.ts";
import { scanSource } from "../lib/extract/scan_source.ts";
import { HeldCopyRows } from "../lib/load/held_copy_rows.ts";
import type { RowsSpec } from "../lib/load/load_rows.ts";
import { ANIME_ROWS, SYNOPSIS_ROWS } from "../lib/load/source_table.ts";
import { copyRow } from "../lib/transform/copy_text_row.ts";
import { readFields } from "../lib/transform/record_fields.ts";
import {
  hasVisibleCharacter,
  isMissingSpan,
  RowEncoder,
  type RowEncoding,
} from "../lib/transform/row_encoder.ts";
import { isMissing } from "../lib/transform/values.ts";
import { ANIME_HEADER, animeLine, csvField } from "./helpers/fixtures.ts";

const encoder = new TextEncoder();

/** Each record's rows by the row builder (undefined when it quarantines) and by the encoder. */
interface Compared {
  line: number;
  built: string[] | undefined;
  encoded: string[] | undefined;
}

// Runs both paths over the same records; the encoder's rows go to fresh sinks per record.
async function compare(spec: RowsSpec, csv: Uint8Array): Promise<Compared[]> {
  const tables = 1 + (spec.alsoCopy?.length ?? 0);
  const seen: Compared[] = [];
  let rowEncoder: RowEncoder | undefined;
  const texts = (sinks: HeldCopyRows[]) =>
    sinks.map((sink) => new TextDecoder().decode(Buffer.concat(sink.chunks())));
  await scanSource(chunksOf(csv), spec.file, {
    required: spec.columns,
    singleLineColumns: spec.singleLineColumns,
    onHeader: (header: HeaderMap) => {
      rowEncoder = new RowEncoder(header, spec.encoding as RowEncoding);
    },
    onRow(record: CsvRecord, header: HeaderMap) {
      const fields = readFields(record, header);
      const row = fields.ok ? spec.buildRow(fields.get, fields.text) : undefined;
      let built: string[] | undefined;
      if (row?.ok) {
        const sinks = Array.from({ length: tables }, () => new HeldCopyRows());
        for (const values of (spec.copyRows ?? ((v) => [v]))(row.values)) {
          sinks[0]!.push(copyRow(values));
        }
        spec.alsoCopy?.forEach((target, i) => {
          for (const values of target.rows(row.values)) sinks[i + 1]!.push(copyRow(values));
        });
        built = texts(sinks);
      }
      const key = rowEncoder!.prepare(record);
      let encoded: string[] | undefined;
      if (key !== undefined) {
        assert.ok(row?.ok, `line ${record.line}: encoded, but the row builder refuses it`);
        assert.equal(key, row.key, `line ${record.line}`);
        const sinks = Array.from({ length: tables }, () => new HeldCopyRows());
        rowEncoder!.write(record, sinks);
        encoded = texts(sinks);
      }
      seen.push({ line: record.line, built, encoded });
    },
    afterChunk: () => Promise.resolve(),
  });
  return seen;
}

// The file in chunks of 4 KB, so that records also cross chunk boundaries.
async function* chunksOf(csv: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < csv.length; at += 4096) yield csv.subarray(at, at + 4096);
}

function assertSameRows(seen: Compared[]) {
  for (const { line, built, encoded } of seen) {
    if (encoded !== undefined) assert.deepEqual(encoded, built, `line ${line}`);
  }
}

const NUMBERS = [
  "12",
  "229170.0",
  "3.000",
  " 42 ",
  "Unknown",
  "unknown",
  " UNKNOWN ",
  "un\u212Anown",
  "Unknown\t",
  "",
  "   ",
  "0",
  "0.0",
  "007",
  "9",
  "10",
  "99",
  "100",
  "999999999",
  "1000000000",
  "2147483647",
  "2147483648",
  "99999999999999999999",
  "+7",
  "-0",
  "-12",
  "1.5",
  "1.",
  ".0",
  "1e3",
  "12 3",
  "\t12",
  "0x10",
  "\u0663",
  "1,234",
  '"5"',
  "5\u00a0",
];
const SCORES = [
  "8.78",
  "10",
  "10.00",
  "10.01",
  "11",
  "9.999",
  "8.130",
  "8.1299999999999999",
  "0",
  "00.5",
  "010",
  "0010.0",
  ".5",
  "5.",
  "Unknown",
  "unknown",
  "",
  " 7.5 ",
  "+7",
  "7,5",
  "1e1",
  "7.5.1",
];
const TEXTS = [
  "Action",
  "Unknown",
  "unknown",
  " Unknown ",
  "un\u212Anown",
  "Un\u212Anown ",
  "Unknow",
  "Unknownn",
  "",
  "   ",
  "tab\there",
  "back\\slash",
  'quote"d "twice"',
  "line\nbreak",
  "cr\rhere\r\n",
  "名前のアニメ",
  "\uFEFFbom",
  "a,b",
  "Unknown\u00a0",
  "\u00a0",
  "\u3000",
  "🎌 flag",
  "\\N",
];
const NAMES = [
  "Cowboy Bebop",
  "",
  "  ",
  "\t",
  "\u00a0",
  "\u3000",
  "\uFEFF",
  "\u2003",
  "\u2003a",
  "Unknown",
  "名前",
  "カウボーイ",
  "Été",
  '"Quoted"',
  "tab\tname",
];
const GENRES = [
  "Action, Comedy",
  "Action,Action",
  " Action , ,Comedy ,Action",
  "Unknown",
  "unknown",
  "",
  " , ",
  "Ação, Drama",
  '"Quoted", X',
  "Sci-Fi\t, Drama",
  "a\\b, c",
  "Action,\u00a0Drama",
  "Action\t",
  "Slice of Life",
];

function variantsOf(column: string): string[] {
  if (column === "MAL_ID") return ["5", "5.0", " 5", "0", "-5", "Unknown", "", "5x"];
  if (column === "Name") return NAMES;
  if (column === "Score") return SCORES;
  if (column === "Genres") return GENRES;
  const spec = (ANIME_ROWS.encoding as RowEncoding).columns.find((c) => c.source === column)!;
  return spec.shape === "count" ? NUMBERS : TEXTS;
}

// One row per column and variant, the other columns at their defaults, plus rows mixing variants
// of every column (a seeded choice), each with its own MAL_ID unless MAL_ID is the variant.
function animeCsvOfVariants(): string {
  const lines = [ANIME_HEADER.map(csvField).join(",")];
  let id = 100;
  for (const column of ANIME_HEADER) {
    for (const variant of variantsOf(column)) lines.push(animeLine(id++, { [column]: variant }));
  }
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let row = 0; row < 2000; row++) {
    const overrides: Record<string, string> = {};
    for (const column of ANIME_HEADER) {
      if (column === "MAL_ID" || next() % 3 !== 0) continue;
      const variants = variantsOf(column);
      overrides[column] = variants[next() % variants.length]!;
    }
    lines.push(animeLine(id++, overrides));
  }
  return lines.join("\n") + "\n";
}

Deno.test("the encoder's anime.csv rows are the row builder's, byte for byte", async () => {
  const seen = await compare(ANIME_ROWS, encoder.encode(animeCsvOfVariants()));
  assertSameRows(seen);
  const encoded = seen.filter((entry) => entry.encoded !== undefined).length;
  const built = seen.filter((entry) => entry.built !== undefined).length;
  // Most rows mix a rare variant in; the point is that the common ones never fall back.
  assert.ok(encoded > 0.3 * built, `${encoded} of ${built} rows encoded`);
});

Deno.test("the encoder takes the common shapes and declines the rest", async (t) => {
  const csv = (line: string) =>
    encoder.encode([ANIME_HEADER.map(csvField).join(","), line].join("\n") + "\n");
  const one = async (line: string) => {
    const [entry] = await compare(ANIME_ROWS, csv(line));
    return entry!;
  };
  await t.step("a typical row, with Unknown, float counts, quotes and Japanese text", async () => {
    const entry = await one(
      animeLine(1, {
        Score: "Unknown",
        Ranked: "Unknown",
        "Score-10": "229170.0",
        "English name": 'The "Movie"',
        Genres: "Action, Space",
      }),
    );
    assert.ok(entry.encoded !== undefined);
    assert.deepEqual(entry.encoded, entry.built);
    assert.match(entry.encoded[0]!, /^1\tSome Anime\t\\N\tAction, Space\n$/);
    assert.equal(entry.encoded[3], "1\tAction\n1\tSpace\n");
  });
  const declined: [string, Record<string, string>][] = [
    ["a signed count", { Members: "+7" }],
    ["a count past int4", { Members: "2147483648" }],
    ["a score past 10", { Score: "10.01" }],
    ["a third decimal", { Score: "8.125" }],
    ["a blank name", { Name: "\u3000" }],
    ["a genre list outside ASCII", { Genres: "Ação, Drama" }],
    ["a genre list with quotes", { Genres: '"Quoted", X' }],
    ["a missing MAL_ID", { MAL_ID: "Unknown" }],
    ["MAL_ID 0", { MAL_ID: "0" }],
  ];
  for (const [name, overrides] of declined) {
    await t.step(name, async () => {
      const entry = await one(animeLine(overrides.MAL_ID ?? 2, overrides));
      assert.equal(entry.encoded, undefined);
    });
  }
  await t.step("a NUL byte, invalid UTF-8, a wrong field count", async () => {
    const line = encoder.encode(animeLine(3, { Type: "TV" }));
    const withByte = (byte: number) => {
      const at = line.indexOf(0x54); // the T of TV
      const bytes = Uint8Array.from(line);
      bytes[at] = byte;
      return bytes;
    };
    for (const bytes of [withByte(0), withByte(0xff), encoder.encode(animeLine(3) + ",extra")]) {
      const header = encoder.encode(ANIME_HEADER.map(csvField).join(",") + "\n");
      const [entry] = await compare(
        ANIME_ROWS,
        Buffer.concat([header, bytes, encoder.encode("\n")]),
      );
      assert.equal(entry!.encoded, undefined);
      assert.equal(entry!.built, undefined);
    }
  });
});

Deno.test("the encoder's synopsis rows are the row builder's, byte for byte", async () => {
  const header = "MAL_ID,Name,Score,Genres,sypnopsis";
  const synopses = [...TEXTS, "x".repeat(5000), "é".repeat(3000)];
  const ids = ["1", "2.0", " 3 ", "0", "Unknown", "+4", "5"];
  const lines = [header];
  let row = 0;
  for (const id of ids) {
    for (const synopsis of synopses) {
      const malId = id === "5" ? String(10 + row) : id;
      lines.push([malId, "Name", "7.0", "Action", synopsis].map(csvField).join(","));
      row++;
    }
  }
  const seen = await compare(SYNOPSIS_ROWS, encoder.encode(lines.join("\r\n") + "\r\n"));
  assertSameRows(seen);
  assert.equal(
    seen.filter((entry) => entry.encoded !== undefined).length,
    // MAL_ID "1", "2.0", " 3 " and the ids of "5": the others are refused or signed.
    4 * synopses.length,
  );
});

Deno.test("isMissingSpan is values.isMissing on bytes", () => {
  const texts = [
    ...TEXTS,
    ...NUMBERS,
    "UNKNOWN",
    "uNkNoWn",
    "un\u212Anown",
    "UN\u212ANOWN",
    "\u212Aunknown",
    "u\u212Anknown",
    "unknown\u212A",
    "unkn\u00f6wn",
    "   unknown   ",
    "unknown ",
  ];
  for (const text of texts) {
    const bytes = encoder.encode(`x${text}y`);
    assert.equal(isMissingSpan(bytes, 1, bytes.length - 1), isMissing(text), JSON.stringify(text));
  }
});

Deno.test("hasVisibleCharacter never sees a character in what trim removes", () => {
  for (let code = 1; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const text = String.fromCodePoint(code);
    const bytes = encoder.encode(text);
    if (hasVisibleCharacter(bytes, 0, bytes.length)) {
      assert.notEqual(text.trim(), "", `U+${code.toString(16)}`);
    }
  }
  const visible = ["a", "名", "é", "🎌", "\u2003a"];
  for (const text of visible) {
    assert.ok(hasVisibleCharacter(encoder.encode(text), 0, encoder.encode(text).length), text);
  }
});
