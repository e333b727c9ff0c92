// Tests of rows held for a later COPY: every byte kept in order across the buffer's growth.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { HeldCopyRows } from "../lib/load/held_copy_rows.ts";
import { copyRow } from "../lib/transform/copy_text_row.ts";

Deno.test("held rows come back byte for byte, in order, across the buffer's growth", () => {
  const held = new HeldCopyRows();
  const expected: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    // ASCII, two-, three- and four-byte UTF-8, and the escapes COPY text needs.
    const values = [i, i % 3 === 0 ? null : `名前 ${i}\tÉté 🎌\\`, "x".repeat(i % 50)];
    const row = copyRow(values);
    expected.push(typeof row === "string" ? row : new TextDecoder().decode(row));
    held.push(i % 2 === 0 ? row : new TextEncoder().encode(row as string));
  }
  assert.equal(held.rows, 20_000);
  assert.equal(new TextDecoder().decode(Buffer.concat(held.chunks())), expected.join(""));
});

Deno.test("a row pushed as bytes is copied: the caller may reuse its buffer", () => {
  const held = new HeldCopyRows();
  const reused = new TextEncoder().encode("1\ta\n");
  held.push(reused);
  reused.set(new TextEncoder().encode("2\tb\n"));
  held.push(reused);
  assert.equal(new TextDecoder().decode(Buffer.concat(held.chunks())), "1\ta\n2\tb\n");
});
