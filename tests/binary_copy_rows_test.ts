// Tests lib/load/binary_copy_rows.ts: the bytes of binary COPY rows, a buffer boundary, and the
// bounds it refuses.
import assert from "node:assert/strict";
import { BinaryCopyRows } from "../lib/load/binary_copy_rows.ts";

function joined(parts: readonly Uint8Array[]): number[] {
  return parts.flatMap((part) => [...part]);
}

Deno.test("BinaryCopyRows writes the header, int2, int4, NULL and text fields, and the trailer", () => {
  const rows = new BinaryCopyRows();
  rows.startRow(4);
  rows.int4(-2);
  rows.int2(300);
  rows.null();
  rows.text(new TextEncoder().encode("ab"));
  assert.deepEqual(joined(rows.finish()), [
    ...new TextEncoder().encode("PGCOPY\n"),
    0xff,
    0x0d,
    0x0a,
    0x00,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    4,
    0,
    0,
    0,
    4,
    0xff,
    0xff,
    0xff,
    0xfe,
    0,
    0,
    0,
    2,
    0x01,
    0x2c,
    0xff,
    0xff,
    0xff,
    0xff,
    0,
    0,
    0,
    2,
    0x61,
    0x62,
    0xff,
    0xff,
  ]);
});

Deno.test("BinaryCopyRows hands out full buffers between rows, never inside one", () => {
  const rows = new BinaryCopyRows();
  const taken: Uint8Array[] = [];
  // 16 bytes a row: 2 + 6 + 8; 200,000 rows fill three megabyte buffers and part of a fourth.
  for (let row = 0; row < 200_000; row++) {
    rows.startRow(2);
    rows.int2(row & 0x7fff);
    rows.int4(row);
    taken.push(...rows.take());
  }
  assert.ok(taken.length >= 2);
  const all = [...taken, ...rows.finish()];
  assert.equal(all.reduce((sum, part) => sum + part.length, 0), 19 + 200_000 * 16 + 2);
  // Each buffer after the first starts on a row: its first two bytes are the field count.
  for (const part of all.slice(1, -1)) assert.deepEqual([part[0], part[1]], [0, 2]);
});

Deno.test("BinaryCopyRows refuses rows and texts beyond its bounds", () => {
  const rows = new BinaryCopyRows();
  assert.throws(() => rows.startRow(33), new RangeError("Cannot start a row of 33 fields"));
  rows.startRow(1);
  assert.throws(
    () => rows.text(new Uint8Array(65)),
    new RangeError("Cannot write a text field of 65 bytes"),
  );
});

Deno.test("BinaryCopyRows writes bigint fields big-endian, signed, and refuses unsafe integers", () => {
  const rows = new BinaryCopyRows();
  rows.startRow(2);
  rows.int8(2 ** 40 + 3);
  rows.int8(-2);
  const bytes = joined(rows.finish());
  assert.deepEqual(bytes.slice(19), [
    0,
    2,
    0,
    0,
    0,
    8,
    0,
    0,
    0x01,
    0,
    0,
    0,
    0,
    3,
    0,
    0,
    0,
    8,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xfe,
    0xff,
    0xff,
  ]);
  rows.startRow(1);
  assert.throws(() => rows.int8(2 ** 53), RangeError);
  assert.throws(() => rows.int8(1.5), RangeError);
});
