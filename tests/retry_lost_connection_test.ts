import assert from "node:assert/strict";
import { retryLostConnection } from "../lib/db/retry_lost_connection.ts";

const quick = { tries: 3, pauseMs: 1 };

function failing(errors: unknown[], answer: string) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    work: () => {
      const error = errors[calls++];
      return error === undefined ? Promise.resolve(answer) : Promise.reject(error);
    },
  };
}

Deno.test("retryLostConnection tries again after a lost connection or a connect timeout", async () => {
  const work = failing([{ code: "CONNECTION_CLOSED" }, { code: "CONNECT_TIMEOUT" }], "recorded");
  assert.equal(await retryLostConnection(quick, work.work), "recorded");
  assert.equal(work.calls, 3);
});

Deno.test("retryLostConnection throws any other error at once", async () => {
  const unique = { code: "23505", severity: "ERROR", message: "duplicate key" };
  const work = failing([unique], "never");
  await assert.rejects(retryLostConnection(quick, work.work), (error) => error === unique);
  assert.equal(work.calls, 1);
});

Deno.test("retryLostConnection gives up after its tries with the last error", async () => {
  const last = { code: "ECONNREFUSED", message: "third" };
  const work = failing([{ code: "ECONNREFUSED" }, { code: "ECONNRESET" }, last], "never");
  await assert.rejects(retryLostConnection(quick, work.work), (error) => error === last);
  assert.equal(work.calls, 3);
});

Deno.test("retryLostConnection pauses longer before each further try", async () => {
  const work = failing([{ code: "CONNECTION_CLOSED" }, { code: "CONNECTION_CLOSED" }], "ok");
  const started = performance.now();
  assert.equal(await retryLostConnection({ tries: 3, pauseMs: 40 }, work.work), "ok");
  // 40 ms, then 80 ms: at least their sum.
  assert.ok(performance.now() - started >= 120);
});
