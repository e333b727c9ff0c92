// Tests of client work run beside a server statement: aborted when the statement fails, settled
// before the caller goes on, failures reported in order.
import assert from "node:assert/strict";
import { alongside } from "../lib/load/alongside.ts";

// Work that only ends when its signal aborts, as a read ahead waiting on a lost session does.
function untilAborted(signal: AbortSignal, seen: unknown[]): Promise<void> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => {
      seen.push(signal.reason);
      reject(new Error("read ahead abandoned"));
    }, { once: true });
  });
}

Deno.test("a failing statement aborts the work beside it, which would never end otherwise", async () => {
  const lost = new Error("lost the connection");
  const seen: unknown[] = [];
  let settledWork = false;
  await assert.rejects(
    alongside(
      Promise.reject(lost),
      (signal) => untilAborted(signal, seen).finally(() => settledWork = true),
    ),
    (error) => error === lost,
  );
  assert.deepEqual(seen, [lost]);
  assert.ok(settledWork, "the work settled before alongside did");
});

Deno.test("a statement failing later aborts work already waiting", async () => {
  let fail = (_error: Error) => {};
  const main = new Promise<number>((_, reject) => fail = reject);
  const seen: unknown[] = [];
  const running = alongside(main, (signal) => untilAborted(signal, seen));
  await Promise.resolve();
  assert.deepEqual(seen, []);
  fail(new Error("terminated"));
  await assert.rejects(running, /^Error: terminated$/);
  assert.equal(seen.length, 1);
});

Deno.test("the work's own failure fails the call once the statement has succeeded", async () => {
  let finish = (_value: string) => {};
  const main = new Promise<string>((resolve) => finish = resolve);
  let mainSettled = false;
  const running = alongside(main.finally(() => mainSettled = true), () => {
    return Promise.reject(new Error("bad synopsis file"));
  });
  finish("built");
  await assert.rejects(running, /bad synopsis file/);
  assert.ok(mainSettled);
});

Deno.test("both succeed: the statement's value, the work not aborted", async () => {
  let aborted: boolean | undefined;
  const value = await alongside(Promise.resolve(42), async (signal) => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    aborted = signal.aborted;
  });
  assert.equal(value, 42);
  assert.equal(aborted, false);
  assert.equal(await alongside(Promise.resolve("alone"), undefined), "alone");
});

Deno.test("work that throws synchronously is reported as its failure", async () => {
  await assert.rejects(
    alongside(Promise.resolve(1), () => {
      throw new Error("could not start");
    }),
    /could not start/,
  );
});
