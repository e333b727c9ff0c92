// Unit tests of the waits between lock attempts (exponential, capped, equal jitter) and of how the
// sessions holding the locks are named.
import assert from "node:assert/strict";
import { lockBackoffMs } from "../lib/db/lock_backoff.ts";
import { describeHolders } from "../lib/db/with_short_locks.ts";

Deno.test("lockBackoffMs doubles from the base up to the cap, with the upper half random", async (t) => {
  const cases: {
    attempt: number;
    random: number;
    expected: number;
    base?: number;
    cap?: number;
  }[] = [
    { attempt: 1, random: 0, expected: 50 },
    { attempt: 1, random: 0.5, expected: 75 },
    { attempt: 2, random: 0, expected: 100 },
    { attempt: 3, random: 0.999, expected: 399.8 },
    { attempt: 5, random: 0, expected: 800 },
    { attempt: 6, random: 0, expected: 1000 },
    { attempt: 6, random: 1, expected: 2000 },
    { attempt: 1000, random: 0, expected: 1000 },
    { attempt: 2, random: 0, expected: 250, base: 250, cap: 60_000 },
    { attempt: 4, random: 1, expected: 1500, base: 250, cap: 1500 },
  ];
  for (const { attempt, random, expected, base, cap } of cases) {
    await t.step(
      `attempt ${attempt}, random ${random}, base ${base ?? 100}, cap ${cap ?? 2000}`,
      () => {
        const ms = lockBackoffMs(attempt, {
          random: () => random,
          ...(base === undefined ? {} : { baseMs: base }),
          ...(cap === undefined ? {} : { capMs: cap }),
        });
        assert.ok(Math.abs(ms - expected) < 1e-9, `${ms} != ${expected}`);
      },
    );
  }
});

Deno.test("lockBackoffMs stays within half the nominal wait and the nominal wait", () => {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const nominal = Math.min(2000, 100 * 2 ** (attempt - 1));
    for (let i = 0; i < 200; i++) {
      const ms = lockBackoffMs(attempt);
      assert.ok(ms >= nominal / 2 && ms <= nominal, `attempt ${attempt}: ${ms} ms`);
    }
  }
});

Deno.test("lockBackoffMs refuses an attempt that is not a positive integer", async (t) => {
  for (const attempt of [0, -1, 1.5, Number.NaN]) {
    await t.step(String(attempt), () => {
      assert.throws(() => lockBackoffMs(attempt), {
        name: "RangeError",
        message: `Cannot compute a backoff: attempt must be a positive integer, got ${attempt}`,
      });
    });
  }
});

Deno.test("describeHolders names every session, and says when a role's activity is hidden", () => {
  assert.equal(
    describeHolders([
      { pid: 41, user: "ana", applicationName: "psql", transactionSeconds: 75.04 },
      { pid: 42, user: "bo", applicationName: "", transactionSeconds: null },
    ]),
    'held by pid 41 (user "ana", application "psql", transaction open 75.0 s), pid 42 (user ' +
      '"bo", application "", transaction age hidden (grant pg_read_all_stats to see it))',
  );
  assert.equal(describeHolders([]), "no session holds them now");
});
