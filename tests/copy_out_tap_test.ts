// Tests of the export's COPY tap: the protocol framed across reads cut anywhere, CopyData of a
// tapped session's COPY taken out and every other byte passed on in order.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { TappedSession } from "../lib/export/copy_out_tap.ts";

function message(type: string, body: number[]): number[] {
  const length = body.length + 4;
  return [
    type.charCodeAt(0),
    (length >>> 24) & 255,
    (length >>> 16) & 255,
    (length >>> 8) & 255,
    length & 255,
    ...body,
  ];
}

const int32 = (value: number) => [
  (value >>> 24) & 255,
  (value >>> 16) & 255,
  (value >>> 8) & 255,
  value & 255,
];

// A session's start (BackendKeyData of pid 4242, ReadyForQuery), a query's answer, a COPY of three
// rows (CopyOutResponse, CopyData, CopyDone, CommandComplete, ReadyForQuery), then a second COPY.
const PID = 4242;
const before = [
  ...message("R", int32(0)),
  ...message("K", [...int32(PID), ...int32(77)]),
  ...message("Z", [0x49]),
  ...message("T", [0, 1, 0x70, 0]),
  ...message("D", [0, 1, ...int32(2), 0x34, 0x32]),
  ...message("C", [0x53, 0]),
  ...message("Z", [0x54]),
];
const copyOut = message("H", [1, 0, 2, 0, 1, 0, 1]);
const payloads = [[1, 2, 3, 4, 5], [6, 7], Array.from({ length: 300 }, (_, i) => i & 255)];
const after = [...message("c", []), ...message("C", [0x43, 0]), ...message("Z", [0x54])];
const copy = [...copyOut, ...payloads.flatMap((payload) => message("d", payload)), ...after];
const stream = new Uint8Array([...before, ...copy, ...copy]);

// Feeds the stream cut at `cuts`, returns what was passed on and what each sink got.
function read(cuts: number[], sinkPid: number | undefined) {
  const passed: number[] = [];
  const sunk: number[] = [];
  const session = new TappedSession(
    (pid) => pid === sinkPid ? (bytes) => sunk.push(...bytes) : undefined,
    (bytes) => passed.push(...bytes),
  );
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    session.read(Buffer.from(stream.subarray(from, cut)));
    from = cut;
  }
  return { passed, sunk };
}

const expectedPassed = [...before, ...copyOut, ...after, ...copyOut, ...after];
const expectedSunk = [...payloads.flat(), ...payloads.flat()];

Deno.test("the tap takes a tapped session's CopyData out, whole or cut at any byte", () => {
  assert.deepEqual(read([], PID), { passed: expectedPassed, sunk: expectedSunk });
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(read([cut], PID), { passed: expectedPassed, sunk: expectedSunk }, `at ${cut}`);
  }
  // Every read a byte long: each head comes in pieces.
  const bytes = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(read(bytes, PID), { passed: expectedPassed, sunk: expectedSunk });
});

Deno.test("the tap passes every byte on for a session nobody expects", () => {
  for (const cuts of [[], [3], [before.length + 2], [before.length + copyOut.length + 3]]) {
    assert.deepEqual(read(cuts, 1), { passed: [...stream], sunk: [] });
  }
});
