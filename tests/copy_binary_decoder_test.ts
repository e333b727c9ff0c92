// Tests of the binary COPY decoder: chunks cut anywhere, nulls, dates, negative values, bad streams.
import assert from "node:assert/strict";
import { BinaryCopyDecoder } from "../lib/export/copy_binary_decoder.ts";
import { ColumnBatch } from "../lib/export/column_batch.ts";
import type { ExportColumn } from "../lib/export/interaction_columns.ts";

const COLUMNS: ExportColumn[] = [
  { name: "user_id", type: "int4", nullable: false },
  { name: "rating", type: "int2", nullable: false },
  { name: "as_of", type: "date", nullable: true },
];

type Field = { int4: number } | { int2: number } | null;

/** A binary COPY stream as PostgreSQL writes it: header, rows, trailer. */
function copyStream(rows: Field[][], extension: number[] = []): Uint8Array {
  const bytes: number[] = [...new TextEncoder().encode("PGCOPY\n"), 0xff, 0x0d, 0x0a, 0x00];
  const int32 = (value: number) =>
    bytes.push((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
  int32(0);
  int32(extension.length);
  bytes.push(...extension);
  for (const row of rows) {
    bytes.push(0, row.length);
    for (const field of row) {
      if (field === null) int32(-1);
      else if ("int4" in field) {
        int32(4);
        int32(field.int4);
      } else {
        int32(2);
        bytes.push((field.int2 >> 8) & 255, field.int2 & 255);
      }
    }
  }
  bytes.push(0xff, 0xff);
  return new Uint8Array(bytes);
}

const ROWS: Field[][] = [
  [{ int4: 1 }, { int2: 10 }, { int4: 0 }], // 2000-01-01
  [{ int4: -2_147_483_648 }, { int2: -1 }, null],
  [{ int4: 2_147_483_647 }, { int2: 32767 }, { int4: -10_957 }], // 1970-01-01
];

function decodeAll(chunks: Uint8Array[], capacity = 16) {
  const batch = new ColumnBatch(COLUMNS, capacity);
  const seen: number[][] = [];
  const take = () => {
    for (let r = 0; r < batch.length; r++) {
      seen.push(COLUMNS.map((_, c) => batch.nulls[c]?.[r] === 1 ? NaN : batch.values[c]![r]!));
    }
    batch.length = 0;
  };
  const decoder = new BinaryCopyDecoder(COLUMNS, batch, take, { keyColumns: 2 });
  for (const chunk of chunks) decoder.push(chunk);
  decoder.finish();
  take();
  return { rows: seen, decoder };
}

const EXPECTED = [
  [1, 10, 10_957],
  [-2_147_483_648, -1, NaN],
  [2_147_483_647, 32767, 0],
];

Deno.test("BinaryCopyDecoder reads every value whatever the chunks' boundaries", () => {
  const stream = copyStream(ROWS, [1, 2, 3]);
  assert.deepEqual(decodeAll([stream]).rows, EXPECTED);
  for (let cut = 1; cut < stream.length; cut++) {
    const { rows } = decodeAll([stream.subarray(0, cut), stream.subarray(cut)]);
    assert.deepEqual(rows, EXPECTED, `cut at byte ${cut}`);
  }
  const bytes = Array.from(stream, (byte) => new Uint8Array([byte]));
  const { rows, decoder } = decodeAll(bytes, 2);
  assert.deepEqual(rows, EXPECTED);
  assert.equal(decoder.rows, 3);
  assert.deepEqual(decoder.lastKey, [2_147_483_647, 32767]);
});

Deno.test("BinaryCopyDecoder refuses streams that are not the expected COPY", async (t) => {
  const refuses = (chunks: Uint8Array[], message: string) =>
    assert.throws(() => decodeAll(chunks), { message });
  await t.step("not PGCOPY", () => {
    refuses(
      [new TextEncoder().encode("user_id,anime_id\n1,2\n3,4\n")],
      "Cannot decode binary COPY: the stream does not start with PGCOPY",
    );
  });
  await t.step("a row of another width", () => {
    refuses(
      [copyStream([[{ int4: 1 }, { int2: 2 }]])],
      "Cannot decode binary COPY: a row has 2 fields, expected 3",
    );
  });
  await t.step("a null where none is allowed", () => {
    refuses(
      [copyStream([[null, { int2: 2 }, null]])],
      'Cannot decode binary COPY: column "user_id" is null',
    );
  });
  await t.step("a value of another type", () => {
    refuses(
      [copyStream([[{ int4: 1 }, { int4: 2 }, null]])],
      'Cannot decode binary COPY: column "rating" has 4 bytes, expected 2 for int2',
    );
  });
  await t.step("cut before the trailer", () => {
    const stream = copyStream(ROWS);
    refuses(
      [stream.subarray(0, stream.length - 2)],
      "Cannot decode binary COPY: the stream ended before its trailer (the COPY was cut)",
    );
    refuses(
      [stream.subarray(0, 30)],
      "Cannot decode binary COPY: the stream ended before its trailer (the COPY was cut)",
    );
  });
  await t.step("bytes after the trailer", () => {
    refuses(
      [copyStream(ROWS), new Uint8Array([0, 3])],
      "Cannot decode binary COPY: bytes after its trailer",
    );
  });
});
