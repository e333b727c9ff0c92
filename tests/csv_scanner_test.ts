// Tests for the streaming CSV scanner: RFC 4180 records, physical line numbers, chunk boundaries.
import assert from "node:assert/strict";
import { PipelineError } from "../lib/errors.ts";
import {
  type CsvRecord,
  CsvScanner,
  fieldText,
  fieldTexts,
  MAX_RECORD_BYTES,
  rawIsLossy,
  rawText,
  type RecordShape,
} from "../lib/extract/csv_scanner.ts";

const encoder = new TextEncoder();

/** What a test keeps of a record: the scanner reuses the object, so it is copied in the callback. */
interface Seen {
  line: number;
  fields: string[];
  raw: string;
  malformed?: string;
}

function seen(record: CsvRecord): Seen {
  const fields: string[] = [];
  for (let i = 0; i < record.fieldCount; i++) fields.push(fieldText(record, i));
  return {
    line: record.line,
    fields,
    raw: rawText(record),
    ...(record.malformed === undefined ? {} : { malformed: record.malformed }),
  };
}

function scanText(chunks: (string | Uint8Array)[], sourceKey = "test.csv"): Seen[] {
  const records: Seen[] = [];
  const scanner = new CsvScanner(sourceKey, (record) => records.push(seen(record)));
  for (const chunk of chunks) {
    scanner.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
  }
  scanner.finish();
  return records;
}

/** Byte-exact view of a record, usable on invalid UTF-8 too. */
interface Exact {
  line: number;
  lineCount: number;
  fieldCount: number;
  fields: number[][];
  escaped: number[];
  raw: string;
  lossy: boolean;
  malformed: string | null;
}

/** Every record byte for byte, and the scanner's line totals. */
function scanExact(
  chunks: Uint8Array[],
  shape?: RecordShape,
): { records: Exact[]; lines: number; blank: number } {
  const records: Exact[] = [];
  const scanner = new CsvScanner("split.csv", (record) => {
    const fields: number[][] = [];
    const escaped: number[] = [];
    for (let i = 0; i < record.fieldCount; i++) {
      fields.push(Array.from(record.bytes.subarray(record.fieldStarts[i], record.fieldEnds[i])));
      escaped.push(record.fieldEscaped[i]!);
    }
    records.push({
      line: record.line,
      lineCount: record.lineCount,
      fieldCount: record.fieldCount,
      fields,
      escaped,
      raw: rawText(record),
      lossy: rawIsLossy(record),
      malformed: record.malformed ?? null,
    });
  }, shape ? { shape } : {});
  for (const chunk of chunks) scanner.push(chunk);
  scanner.finish();
  return { records, lines: scanner.physicalLines, blank: scanner.blankLines };
}

/** Physical lines counted independently of the scanner: line breaks, plus an unended last line. */
function countLines(input: Uint8Array): number {
  let lines = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === 10 || (input[i] === 13 && input[i + 1] !== 10)) lines++;
  }
  const last = input[input.length - 1];
  const bomOnly = input.length === 3 && input[0] === 0xef;
  return lines + (input.length > 0 && last !== 10 && last !== 13 && !bomOnly ? 1 : 0);
}

function assertPipelineError(fn: () => unknown, code: string, message: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof PipelineError, `expected a PipelineError, got ${error}`);
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("CsvScanner splits records and numbers their physical lines", async (t) => {
  const cases: { name: string; input: string; expected: Seen[] }[] = [
    {
      name: "plain records",
      input: "user_id,anime_id,rating\n0,67,9\n0,6702,7\n",
      expected: [
        { line: 1, fields: ["user_id", "anime_id", "rating"], raw: "user_id,anime_id,rating" },
        { line: 2, fields: ["0", "67", "9"], raw: "0,67,9" },
        { line: 3, fields: ["0", "6702", "7"], raw: "0,6702,7" },
      ],
    },
    {
      name: "quoted field holding commas",
      input: 'MAL_ID,Genres\n1,"Action, Adventure, Comedy"\n',
      expected: [
        { line: 1, fields: ["MAL_ID", "Genres"], raw: "MAL_ID,Genres" },
        {
          line: 2,
          fields: ["1", "Action, Adventure, Comedy"],
          raw: '1,"Action, Adventure, Comedy"',
        },
      ],
    },
    {
      name: "doubled quotes are undoubled",
      input: 'id,text\n1,"She said ""hi"", twice"\n2,""""\n3,""\n',
      expected: [
        { line: 1, fields: ["id", "text"], raw: "id,text" },
        { line: 2, fields: ["1", 'She said "hi", twice'], raw: '1,"She said ""hi"", twice"' },
        { line: 3, fields: ["2", '"'], raw: '2,""""' },
        { line: 4, fields: ["3", ""], raw: '3,""' },
      ],
    },
    {
      name: "LF inside a quoted field moves later lines down",
      input: 'id,text\n1,"a\nb\nc"\n2,d\n',
      expected: [
        { line: 1, fields: ["id", "text"], raw: "id,text" },
        { line: 2, fields: ["1", "a\nb\nc"], raw: '1,"a\nb\nc"' },
        { line: 5, fields: ["2", "d"], raw: "2,d" },
      ],
    },
    {
      name: "CRLF inside a quoted field counts as one line",
      input: 'id,text\r\n1,"a\r\nb"\r\n2,d\r\n',
      expected: [
        { line: 1, fields: ["id", "text"], raw: "id,text" },
        { line: 2, fields: ["1", "a\r\nb"], raw: '1,"a\r\nb"' },
        { line: 4, fields: ["2", "d"], raw: "2,d" },
      ],
    },
    {
      name: "two multi-line records in a row",
      input: 'id,text\n"1","x\n\ny"\n2,"p\r\nq\nr"\n3,s\n',
      expected: [
        { line: 1, fields: ["id", "text"], raw: "id,text" },
        { line: 2, fields: ["1", "x\n\ny"], raw: '"1","x\n\ny"' },
        { line: 5, fields: ["2", "p\r\nq\nr"], raw: '2,"p\r\nq\nr"' },
        { line: 8, fields: ["3", "s"], raw: "3,s" },
      ],
    },
    {
      name: "CRLF file",
      input: "a,b\r\n1,2\r\n3,4\r\n",
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "2"], raw: "1,2" },
        { line: 3, fields: ["3", "4"], raw: "3,4" },
      ],
    },
    {
      name: "mixed LF and CRLF endings",
      input: 'a,b\n1,2\r\n3,"x\ny"\r\n5,6\n7,8\r\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "2"], raw: "1,2" },
        { line: 3, fields: ["3", "x\ny"], raw: '3,"x\ny"' },
        { line: 5, fields: ["5", "6"], raw: "5,6" },
        { line: 6, fields: ["7", "8"], raw: "7,8" },
      ],
    },
    {
      name: "lone CR line endings, also inside quotes",
      input: 'a,b\r1,2\r3,"x\ry"\r5,6',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "2"], raw: "1,2" },
        { line: 3, fields: ["3", "x\ry"], raw: '3,"x\ry"' },
        { line: 5, fields: ["5", "6"], raw: "5,6" },
      ],
    },
    {
      name: "UTF-8 BOM is stripped from the header",
      input: "\uFEFFMAL_ID,Name\n1,Cowboy Bebop\n",
      expected: [
        { line: 1, fields: ["MAL_ID", "Name"], raw: "MAL_ID,Name" },
        { line: 2, fields: ["1", "Cowboy Bebop"], raw: "1,Cowboy Bebop" },
      ],
    },
    {
      name: "a BOM later in the file is data",
      input: "a\n\uFEFFb\n",
      expected: [
        { line: 1, fields: ["a"], raw: "a" },
        { line: 2, fields: ["\uFEFFb"], raw: "\uFEFFb" },
      ],
    },
    {
      name: "blank lines are skipped but counted",
      input: "a,b\n1,2\n\n3,4\r\n\r\n\n5,6\n",
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "2"], raw: "1,2" },
        { line: 4, fields: ["3", "4"], raw: "3,4" },
        { line: 7, fields: ["5", "6"], raw: "5,6" },
      ],
    },
    {
      name: "last record without a trailing newline (watching_status.csv)",
      input: "status, description\n1,Currently Watching\n6,Plan to Watch",
      expected: [
        { line: 1, fields: ["status", " description"], raw: "status, description" },
        { line: 2, fields: ["1", "Currently Watching"], raw: "1,Currently Watching" },
        { line: 3, fields: ["6", "Plan to Watch"], raw: "6,Plan to Watch" },
      ],
    },
    {
      name: "last record ending in a closing quote without a newline",
      input: 'a,b\n1,"x"',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "x"], raw: '1,"x"' },
      ],
    },
    {
      name: "empty fields and a trailing comma count as fields",
      input: 'a,b,c\n,,\n1,2,\n,"",\n',
      expected: [
        { line: 1, fields: ["a", "b", "c"], raw: "a,b,c" },
        { line: 2, fields: ["", "", ""], raw: ",," },
        { line: 3, fields: ["1", "2", ""], raw: "1,2," },
        { line: 4, fields: ["", "", ""], raw: ',"",' },
      ],
    },
    {
      name: "a quote inside an unquoted field is literal",
      input: 'a,b\n5"7,x\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ['5"7', "x"], raw: '5"7,x' },
      ],
    },
    {
      name: "non-ASCII text",
      input: "MAL_ID,Name\n918,Gintama°\n9253,Steins;Gate\n",
      expected: [
        { line: 1, fields: ["MAL_ID", "Name"], raw: "MAL_ID,Name" },
        { line: 2, fields: ["918", "Gintama°"], raw: "918,Gintama°" },
        { line: 3, fields: ["9253", "Steins;Gate"], raw: "9253,Steins;Gate" },
      ],
    },
    {
      name: "empty input yields no records",
      input: "",
      expected: [],
    },
  ];
  for (const { name, input, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(scanText([input]), expected);
    });
  }
});

Deno.test("CsvScanner marks malformed records and resyncs at the next record", async (t) => {
  const cases: { name: string; input: string; expected: Seen[] }[] = [
    {
      name: "unterminated quote at end of file: the open line alone, then the lines after it",
      input: 'a,b\n1,2\n3,"open\nmore\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "2"], raw: "1,2" },
        {
          line: 3,
          fields: ["3", "open"],
          raw: '3,"open',
          malformed: "unterminated quoted field starting at line 3; quoted field 2 opened on " +
            "line 3 ran on to line 4, so line 3 is quarantined alone and scanning resumed at line 4",
        },
        { line: 4, fields: ["more"], raw: "more" },
      ],
    },
    {
      name: "unterminated quote on the last line, which ends with a line break",
      input: 'a,b\n1,2\n3,"open\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        { line: 2, fields: ["1", "2"], raw: "1,2" },
        {
          line: 3,
          fields: ["3", "open"],
          raw: '3,"open',
          malformed: "unterminated quoted field starting at line 3",
        },
      ],
    },
    {
      name: "unterminated quote names the line its field starts on",
      input: 'a,b\n1,"open',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        {
          line: 2,
          fields: ["1", "open"],
          raw: '1,"open',
          malformed: "unterminated quoted field starting at line 2",
        },
      ],
    },
    {
      name: "a multi-line field, then an unterminated one: both lines quarantined on their own",
      input: 'a,b\n"x\ny","open\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        {
          line: 2,
          fields: ["x"],
          raw: '"x',
          malformed: "unterminated quoted field starting at line 3; quoted field 1 opened on " +
            "line 2 ran on to line 3, so line 2 is quarantined alone and scanning resumed at line 3",
        },
        {
          line: 3,
          fields: ['y"', "open"],
          raw: 'y","open',
          malformed: "unterminated quoted field starting at line 3",
        },
      ],
    },
    {
      name: "unterminated quote ending in an escaped quote",
      input: 'a\n"x""',
      expected: [
        { line: 1, fields: ["a"], raw: "a" },
        {
          line: 2,
          fields: ['x"'],
          raw: '"x""',
          malformed: "unterminated quoted field starting at line 2",
        },
      ],
    },
    {
      name: "text after a closing quote",
      input: 'a,b\n"x"y,2\n3,4\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        {
          line: 2,
          fields: ["x", "2"],
          raw: '"x"y,2',
          malformed: "unexpected text after the closing quote of field 1",
        },
        { line: 3, fields: ["3", "4"], raw: "3,4" },
      ],
    },
    {
      name: "text after the closing quote of a multi-line field: its first line alone",
      input: 'a,b\n1,"p\nq"r s\r\n5,6\n',
      expected: [
        { line: 1, fields: ["a", "b"], raw: "a,b" },
        {
          line: 2,
          fields: ["1", "p"],
          raw: '1,"p',
          malformed: "unexpected text after the closing quote of field 2 on line 3; quoted field " +
            "2 opened on line 2 ran on to line 3, so line 2 is quarantined alone and scanning " +
            "resumed at line 3",
        },
        { line: 3, fields: ['q"r s'], raw: 'q"r s' },
        { line: 4, fields: ["5", "6"], raw: "5,6" },
      ],
    },
  ];
  for (const { name, input, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(scanText([input]), expected);
    });
  }
});

Deno.test("CsvScanner yields the same records wherever the chunks split", async (t) => {
  const bytes = (...parts: (string | number[])[]) => {
    const arrays = parts.map((part) => typeof part === "string" ? encoder.encode(part) : part);
    return Uint8Array.from(arrays.flatMap((array) => Array.from(array)));
  };
  const noBreaks: RecordShape = { fieldCount: 3, lineBreaks: new Uint8Array(3) };
  const textLast: RecordShape = { fieldCount: 2, lineBreaks: Uint8Array.of(0, 1) };
  const inputs: { name: string; input: Uint8Array; shape?: RecordShape }[] = [
    { name: "BOM, quotes, CRLF", input: bytes('\uFEFFid,"te,xt"\r\n1,"a""b\r\nc"\r\n2,x\r\n') },
    { name: "lone CRs inside and outside quotes", input: bytes('a,b\r"x\r""y"\r\r1,"\r"\r2,3') },
    { name: "doubled quotes at every position", input: bytes('""""""\n"""",""\n"a""",""""b"\n') },
    { name: "blank lines and trailing comma", input: bytes("a,b,\n\n\r\n1,,\r\n\n2,3,4") },
    { name: "multi-byte UTF-8 split", input: bytes('n\nGintama°\n進撃の巨人,"é"\n') },
    { name: "invalid UTF-8 and NUL", input: bytes("a,b\n1,", [0xe9, 0xff], ",", [0], "\n2,3\n") },
    { name: "text after a closing quote", input: bytes('a,b\n"x"y,"z"\r\n"p"q\n3,4\n') },
    { name: "unterminated quote", input: bytes('a,b\n1,"2\r\n3,4\n') },
    { name: "runaway quote cut to its line", input: bytes('a,b\n1,"x\n2,"y"\r\n3,"z\r4,w') },
    {
      name: "a line break ends a quote in a field that cannot hold one",
      input: bytes('a,b,c\n1,"2,3\r\n4,5,"6\n7,"8""",9\n"'),
      shape: noBreaks,
    },
    {
      name: "wrong field count after a line break",
      input: bytes('id,text\n"1\n",x\n2,"y\nz",w\r\n3,"ok\r\nfine"\n'),
      shape: textLast,
    },
    { name: "BOM only", input: bytes("\uFEFF") },
    { name: "header only, no newline, after a BOM", input: bytes("\uFEFFx") },
  ];
  for (const { name, input, shape } of inputs) {
    await t.step(name, () => {
      const whole = scanExact([input], shape);
      assert.equal(whole.lines, countLines(input), "physical lines");
      assert.equal(
        whole.records.reduce((sum, record) => sum + record.lineCount, 0) + whole.blank,
        whole.lines,
        "records and blank lines cover every line",
      );
      for (let at = 0; at <= input.length; at++) {
        const split = scanExact([input.subarray(0, at), input.subarray(at)], shape);
        assert.deepEqual(split, whole, `split at byte ${at}`);
      }
      for (let first = 0; first <= input.length; first++) {
        for (let second = first; second <= input.length; second++) {
          const parts = [
            input.subarray(0, first),
            input.subarray(first, second),
            input.subarray(second),
          ];
          assert.deepEqual(scanExact(parts, shape), whole, `split at bytes ${first} and ${second}`);
        }
      }
      const single = Array.from(input, (_, i) => input.subarray(i, i + 1));
      assert.deepEqual(scanExact(single, shape), whole, "1-byte chunks");
    });
  }
});

Deno.test("CsvScanner cuts a runaway quote to the lines it really breaks", async (t) => {
  const scanShaped = (input: string, shape: RecordShape) => {
    const records: Seen[] = [];
    const scanner = new CsvScanner("t.csv", (record) => records.push(seen(record)), { shape });
    scanner.push(encoder.encode(input));
    scanner.finish();
    return records;
  };
  const list: RecordShape = { fieldCount: 5, lineBreaks: new Uint8Array(5) };
  const synopsis: RecordShape = { fieldCount: 2, lineBreaks: Uint8Array.of(0, 1) };
  const cases: { name: string; input: string; shape: RecordShape; expected: Seen[] }[] = [
    {
      name: "a file without free text: the line break ends the record",
      input: '1,2,"5,2,3\n4,5,6,2,1\n',
      shape: list,
      expected: [
        {
          line: 1,
          fields: ["1", "2", "5,2,3"],
          raw: '1,2,"5,2,3',
          malformed: "unterminated quoted field starting at line 1: field 3 cannot hold a line " +
            "break, so the line ends the record",
        },
        { line: 2, fields: ["4", "5", "6", "2", "1"], raw: "4,5,6,2,1" },
      ],
    },
    {
      name: "a quote closed on its own line is fine there",
      input: '1,2,"5",2,3\r\n4,5,6,2,1',
      shape: list,
      expected: [
        { line: 1, fields: ["1", "2", "5", "2", "3"], raw: '1,2,"5",2,3' },
        { line: 2, fields: ["4", "5", "6", "2", "1"], raw: "4,5,6,2,1" },
      ],
    },
    {
      name: "the last line of a file without free text",
      input: '4,5,6,2,1\n1,2,"5',
      shape: list,
      expected: [
        { line: 1, fields: ["4", "5", "6", "2", "1"], raw: "4,5,6,2,1" },
        {
          line: 2,
          fields: ["1", "2", "5"],
          raw: '1,2,"5',
          malformed: "unterminated quoted field starting at line 2",
        },
      ],
    },
    {
      name: "a number column in a file with free text",
      input: '"1\n2",x\n3,y\n',
      shape: synopsis,
      expected: [
        {
          line: 1,
          fields: ["1"],
          raw: '"1',
          malformed: "unterminated quoted field starting at line 1: field 1 cannot hold a line " +
            "break, so the line ends the record",
        },
        { line: 2, fields: ['2"', "x"], raw: '2",x' },
        { line: 3, fields: ["3", "y"], raw: "3,y" },
      ],
    },
    {
      name: "a synopsis whose closing quote is missing: the next record loads",
      input: '1,"first\n2,"second"\n3,"third, ""quoted"""\n',
      shape: synopsis,
      expected: [
        {
          line: 1,
          fields: ["1", "first"],
          raw: '1,"first',
          malformed: "unexpected text after the closing quote of field 2 on line 2; quoted field " +
            "2 opened on line 1 ran on to line 2, so line 1 is quarantined alone and scanning " +
            "resumed at line 2",
        },
        { line: 2, fields: ["2", "second"], raw: '2,"second"' },
        { line: 3, fields: ["3", 'third, "quoted"'], raw: '3,"third, ""quoted"""' },
      ],
    },
    {
      name: "a record over several lines with another number of fields",
      input: '1,"x\ny",z\n2,w\n',
      shape: synopsis,
      expected: [
        {
          line: 1,
          fields: ["1", "x"],
          raw: '1,"x',
          malformed: "expected 2 fields, found 3; quoted field 2 opened on line 1 ran on to line " +
            "2, so line 1 is quarantined alone and scanning resumed at line 2",
        },
        { line: 2, fields: ['y"', "z"], raw: 'y",z' },
        { line: 3, fields: ["2", "w"], raw: "2,w" },
      ],
    },
    {
      name: "a well-formed synopsis over several lines stays one record",
      input: '1,"para one\r\n\r\npara ""two"""\n2,w\n',
      shape: synopsis,
      expected: [
        {
          line: 1,
          fields: ["1", 'para one\r\n\r\npara "two"'],
          raw: '1,"para one\r\n\r\npara ""two"""',
        },
        { line: 4, fields: ["2", "w"], raw: "2,w" },
      ],
    },
    {
      name: "a quote never closed in a long synopsis file: every line after it still loads",
      input: '1,"open\n2,plain\n3,plain\n',
      shape: synopsis,
      expected: [
        {
          line: 1,
          fields: ["1", "open"],
          raw: '1,"open',
          malformed: "unterminated quoted field starting at line 1; quoted field 2 opened on " +
            "line 1 ran on to line 3, so line 1 is quarantined alone and scanning resumed at line 2",
        },
        { line: 2, fields: ["2", "plain"], raw: "2,plain" },
        { line: 3, fields: ["3", "plain"], raw: "3,plain" },
      ],
    },
  ];
  for (const { name, input, shape, expected } of cases) {
    await t.step(name, () => assert.deepEqual(scanShaped(input, shape), expected));
  }
  await t.step("the header's shape applies from the next record on", () => {
    const records: Seen[] = [];
    const scanner: CsvScanner = new CsvScanner("t.csv", (record) => {
      if (records.length === 0) scanner.reshape(synopsis);
      records.push(seen(record));
    }, { shape: { fieldCount: 0, lineBreaks: new Uint8Array(0) } });
    scanner.push(encoder.encode('"id,text\n1,"a\nb"\n'));
    scanner.finish();
    assert.deepEqual(records, [
      {
        line: 1,
        fields: ["id,text"],
        raw: '"id,text',
        malformed: "unterminated quoted field starting at line 1: field 1 cannot hold a line " +
          "break, so the line ends the record",
      },
      { line: 2, fields: ["1", "a\nb"], raw: '1,"a\nb"' },
    ]);
  });
});

Deno.test("CsvScanner reads a 5 MB quoted field delivered in 64 KB chunks in a few passes", () => {
  const piece = 'a ""quoted"" line, with commas\n';
  const repeats = Math.ceil((5 * 1024 * 1024) / piece.length);
  const field = piece.repeat(repeats);
  const file = encoder.encode(`id,text\n1,"${field}"\n2,after\n`);
  const chunkBytes = 64 * 1024;
  const records: Seen[] = [];
  const scanner = new CsvScanner("big.csv", (record) => records.push(seen(record)));
  for (let at = 0; at < file.length; at += chunkBytes) {
    scanner.push(file.subarray(at, at + chunkBytes));
  }
  scanner.finish();
  assert.equal(records.length, 3);
  assert.equal(records[1]!.line, 2);
  assert.equal(records[1]!.fields[1], field.replaceAll('""', '"'));
  assert.equal(records[1]!.malformed, undefined);
  assert.deepEqual(records[2], { line: 2 + repeats + 1, fields: ["2", "after"], raw: "2,after" });
  // Rescanning the open field at every one of its 80 chunks would scan about 40 times the file
  // (some 210 MB); rescanning it only when it has doubled (past its first MiB) keeps the total at
  // a few times the file (about 20 MB).
  assert.ok(
    scanner.bytesScanned < 6 * file.length,
    `scanned ${scanner.bytesScanned} bytes of a ${file.length}-byte file`,
  );
});

Deno.test("CsvScanner refuses a record larger than MAX_RECORD_BYTES", async (t) => {
  const message = 'Cannot read record at line 2 of "huge.csv": it exceeds 64 MiB without ending ' +
    "(an unterminated quote?)";
  await t.step("in one chunk", () => {
    const scanner = new CsvScanner("huge.csv", () => {});
    const chunk = new Uint8Array(MAX_RECORD_BYTES + 16).fill(120);
    chunk.set(encoder.encode('a\n"'));
    assertPipelineError(() => scanner.push(chunk), "CSV_RECORD_TOO_LARGE", message);
  });
  await t.step("in 64 KB chunks, as soon as the limit is passed", () => {
    const scanner = new CsvScanner("huge.csv", () => {});
    scanner.push(encoder.encode('a\n"'));
    const chunk = new Uint8Array(64 * 1024).fill(120);
    let pushed = 0;
    assertPipelineError(
      () => {
        while (pushed < 4 * MAX_RECORD_BYTES) {
          scanner.push(chunk);
          pushed += chunk.length;
        }
      },
      "CSV_RECORD_TOO_LARGE",
      message,
    );
    assert.ok(pushed <= MAX_RECORD_BYTES, `accepted ${pushed} bytes of one open record`);
  });
});

Deno.test("fieldText, rawText and rawIsLossy report bytes that are not clean UTF-8", async (t) => {
  const records = (input: Uint8Array) => {
    const found: { raw: string; lossy: boolean; field: () => string }[] = [];
    const scanner = new CsvScanner("enc.csv", (record) => {
      const copy: CsvRecord = {
        ...record,
        bytes: record.bytes.slice(),
        fieldStarts: record.fieldStarts.slice(),
        fieldEnds: record.fieldEnds.slice(),
        fieldEscaped: record.fieldEscaped.slice(),
      };
      found.push({
        raw: rawText(record),
        lossy: rawIsLossy(record),
        field: () => fieldText(copy, 1),
      });
    });
    scanner.push(input);
    scanner.finish();
    return found;
  };

  await t.step("invalid UTF-8: fieldText throws, rawText uses U+FFFD", () => {
    const input = Uint8Array.from([...encoder.encode("id,name\n1,caf"), 0xe9, 10]);
    const [, record] = records(input);
    assert.throws(record!.field, (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "The encoded data is not valid");
      return true;
    });
    assert.equal(record!.raw, "1,caf\uFFFD");
    assert.equal(record!.lossy, true);
  });

  await t.step("invalid UTF-8 in a long field", () => {
    const long = "x".repeat(300);
    const input = Uint8Array.from([...encoder.encode(`id,name\n1,${long}`), 0xc3, 10]);
    const [, record] = records(input);
    assert.throws(record!.field, TypeError);
    assert.equal(record!.raw, `1,${long}\uFFFD`);
    assert.equal(record!.lossy, true);
  });

  await t.step("NUL: rawText shows U+2400", () => {
    const input = Uint8Array.from([...encoder.encode("id,name\n1,a"), 0, ...encoder.encode("b\n")]);
    const [, record] = records(input);
    assert.equal(record!.raw, "1,a\u2400b");
    assert.equal(record!.lossy, true);
  });

  await t.step("valid non-ASCII text is not lossy", () => {
    const [, record] = records(encoder.encode("id,name\n1,Gintama°\n"));
    assert.equal(record!.field(), "Gintama°");
    assert.equal(record!.raw, "1,Gintama°");
    assert.equal(record!.lossy, false);
  });
});

Deno.test("fieldTexts maps byte spans to characters across multi-byte text", async (t) => {
  const cases = [
    { name: "ASCII", line: 'a,"b ""q""",c', expected: ["a", 'b "q"', "c"] },
    {
      name: "2- and 3-byte characters",
      line: "Gintama°,何かのアニメ,é",
      expected: ["Gintama°", "何かのアニメ", "é"],
    },
    {
      name: "4-byte characters (surrogate pairs)",
      line: '😀x,"y😀,z",😀',
      expected: ["😀x", "y😀,z", "😀"],
    },
  ];
  for (const { name, line, expected } of cases) {
    await t.step(name, () => {
      const seen: string[][] = [];
      const scanner = new CsvScanner("t.csv", (record) => {
        seen.push(fieldTexts(record, [2, 0, 1]));
      });
      scanner.push(new TextEncoder().encode(`${line}\n`));
      scanner.finish();
      assert.deepEqual(seen, [[expected[2], expected[0], expected[1]]]);
    });
  }
  await t.step("invalid UTF-8 names the first bad field", () => {
    const bytes = new Uint8Array([0x61, 0x2c, 0xff, 0x2c, 0x62, 0x0a]);
    const scanner = new CsvScanner("t.csv", (record) => {
      assert.throws(() => fieldTexts(record, [0, 1, 2]), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal((error.cause as { index: number }).index, 1);
        return true;
      });
    });
    scanner.push(bytes);
    scanner.finish();
  });
});
