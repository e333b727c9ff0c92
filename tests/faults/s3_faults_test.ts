// Network faults between the pipeline and S3, injected for real by a TCP proxy in front of s3rver:
// cuts, stalls, throttling, 5xx, 403/404 and objects that change under the run.
import assert from "node:assert/strict";
import type { DbSettings, S3Settings } from "../../lib/config/settings.ts";
import { readObjectBytes } from "../../lib/extract/object_reader.ts";
import { createS3Client } from "../../lib/extract/s3_client.ts";
import { findSourceObjects } from "../../lib/extract/source_objects.ts";
import { runEtl, type RunEtlOptions, type RunSummary } from "../../lib/run_etl.ts";
import {
  type FaultProxy,
  type FaultRule,
  isGetOf,
  isListing,
  startFaultProxy,
} from "../helpers/fault_proxy.ts";
import {
  freshDatabase,
  startTestStore,
  targetsFor,
  type TestStore,
  uniqueBucket,
} from "../helpers/services.ts";
import { collectProgress, within } from "../helpers/observe.ts";
import {
  assertNothingPublished,
  publishedFingerprint,
  runFingerprint,
} from "../helpers/published.ts";
import { deleteObject, PREFIX, uploadDataset } from "../helpers/uploads.ts";

const DATASET = { animelistRows: 20_000, animeRows: 300, seed: 11 };
// Fast backoff so that retried steps take milliseconds; the policy itself is the same.
const QUICK_RETRY = { baseDelayMs: 20 };

interface World {
  store: TestStore;
  bucket: string;
  gzipBucket: string;
  db: DbSettings;
  /** The plain dataset's bytes by file name. */
  bodies: Record<string, Uint8Array>;
  /** What a clean run published, and its accounting. */
  clean: { tables: Record<string, string>; run: string[] };
}

async function setUp(store: TestStore): Promise<World> {
  const bucket = uniqueBucket("net");
  const gzipBucket = uniqueBucket("netgz");
  await store.createBucket(bucket);
  await store.createBucket(gzipBucket);
  const { bodies } = await uploadDataset(store, bucket, PREFIX, DATASET);
  await uploadDataset(store, gzipBucket, PREFIX, { ...DATASET, gzip: true });
  const db = await freshDatabase("net");
  const first = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
  assert.equal(first.status, "succeeded", first.error?.message);
  const clean = {
    tables: await publishedFingerprint(db),
    run: await runFingerprint(db, first.runId),
  };
  return { store, bucket, gzipBucket, db, bodies, clean };
}

/** One forced run with S3 behind a fault proxy. */
async function runThroughProxy(
  world: World,
  rules: FaultRule[],
  options: { bucket?: string; stallTimeoutSeconds?: number; retry?: RunEtlOptions["retry"] } = {},
): Promise<{ summary: RunSummary; proxy: FaultProxy; lines: string[]; s3: S3Settings }> {
  const proxy = startFaultProxy(world.store.endpoint, rules);
  const s3 = {
    ...world.store.settings(options.bucket ?? world.bucket, PREFIX),
    endpoint: proxy.endpoint,
  };
  const { progress, lines } = collectProgress();
  try {
    const targets = targetsFor(s3, world.db);
    targets.limits.stallTimeoutSeconds = options.stallTimeoutSeconds ?? 10;
    const summary = await within(
      120,
      "the run",
      runEtl(targets, { force: true, progress, retry: options.retry ?? QUICK_RETRY }),
    );
    return { summary, proxy, lines, s3 };
  } finally {
    await proxy.close();
  }
}

async function assertSameAsClean(world: World, summary: RunSummary) {
  assert.equal(summary.status, "succeeded", summary.error?.message);
  assert.deepEqual(await publishedFingerprint(world.db), world.clean.tables);
  assert.deepEqual(await runFingerprint(world.db, summary.runId), world.clean.run);
}

function rangeStarts(proxy: FaultProxy, file: string): (number | undefined)[] {
  return proxy.requests.filter(isGetOf(file)).map((request) => {
    const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? "");
    return match ? Number(match[1]) : undefined;
  });
}

function animelistKey(world: World, bucket = world.bucket, suffix = "") {
  return `"${bucket}/${PREFIX}animelist.csv${suffix}"`;
}

Deno.test("S3 network faults: reads resume, retry or fail cleanly", async (t) => {
  const store = await startTestStore();
  try {
    const world = await setUp(store);
    const size = world.bodies["animelist.csv"]!.length;

    await t.step(
      "a connection cut mid-object resumes at the byte offset with Range pinned to the ETag",
      async () => {
        const { summary, proxy } = await runThroughProxy(world, [
          { match: isGetOf("animelist.csv"), action: { kind: "cut", afterBytes: 100_000 } },
        ]);
        await assertSameAsClean(world, summary);
        const gets = proxy.requests.filter(isGetOf("animelist.csv"));
        assert.equal(gets.length, 2);
        const [, resume] = rangeStarts(proxy, "animelist.csv");
        // The first response carried 100,000 bytes, headers (well under 2 KB) included.
        assert.ok(resume! > 98_000 && resume! < 100_000, `resumed at ${resume}`);
        const etag = summary.files.find((file) => file.file === "animelist.csv")!.etag;
        assert.deepEqual(gets.map((get) => get.headers["if-match"]), [etag, etag]);
        // Nothing was downloaded twice: every byte of every object crossed once, plus headers.
        const stored = summary.files.reduce((sum, file) => sum + file.sizeBytes, 0);
        assert.ok(proxy.bytesToClients() < stored + 2_000 * proxy.requests.length);
      },
    );

    await t.step("several cuts in several objects, one inside the response headers", async () => {
      const { summary, proxy, lines } = await runThroughProxy(world, [
        { match: isGetOf("animelist.csv"), times: 3, action: { kind: "cut", afterBytes: 90_000 } },
        { match: isGetOf("anime.csv"), action: { kind: "cut", afterBytes: 100 } },
        { match: isGetOf("anime_with_synopsis.csv"), action: { kind: "cut", afterBytes: 50_000 } },
      ]);
      await assertSameAsClean(world, summary);
      assert.equal(proxy.applied.length, 5);
      const starts = rangeStarts(proxy, "animelist.csv");
      assert.equal(starts.length, 4);
      assert.equal(starts[0], undefined);
      for (let i = 1; i < 4; i++) {
        assert.ok(starts[i]! > (starts[i - 1] ?? 0), `offsets grow: ${starts.join(", ")}`);
      }
      assert.ok(starts[3]! < size);
      assert.ok(
        lines.some((line) =>
          line.startsWith(`extract:retry ${PREFIX}animelist.csv attempt 1 from byte ${starts[1]}: `)
        ),
        lines.join("\n"),
      );
    });

    await t.step("a gzip object cut twice resumes without corrupting the stream", async () => {
      const { summary, proxy } = await runThroughProxy(world, [
        {
          match: isGetOf("animelist.csv.gz"),
          times: 2,
          action: { kind: "cut", afterBytes: 60_000 },
        },
      ], { bucket: world.gzipBucket });
      await assertSameAsClean(world, summary);
      assert.equal(proxy.requests.filter(isGetOf("animelist.csv.gz")).length, 3);
    });

    await t.step("a stalled listing or read is treated as a cut, not a hang", async () => {
      const started = performance.now();
      const { summary, lines } = await runThroughProxy(world, [
        { match: isListing, action: { kind: "stall", afterBytes: 0, seconds: 60 } },
        {
          match: isGetOf("animelist.csv"),
          action: { kind: "stall", afterBytes: 100_000, seconds: 60 },
        },
      ], { stallTimeoutSeconds: 0.5 });
      await assertSameAsClean(world, summary);
      assert.ok(performance.now() - started < 20_000, "bounded by the stall timeout");
      const retries = lines.filter((line) => line.startsWith("extract:retry"));
      assert.equal(retries.length, 2, retries.join("\n"));
      assert.equal(
        retries[0],
        `extract:retry listing attempt 1: Cannot list bucket "${world.bucket}" prefix "${PREFIX}": ` +
          "transient failure (Error: no response for 0.5 s)",
      );
      assert.match(
        retries[1]!,
        new RegExp(
          `^extract:retry ${PREFIX}animelist\\.csv attempt 1 from byte \\d+: Cannot read ` +
            `"${world.bucket}/${PREFIX}animelist\\.csv": transient failure \\(StallError: no data for 0\\.5 s\\)$`,
        ),
      );
    });

    await t.step("throttling (503 SlowDown) and server errors (500) are retried", async () => {
      const { summary, lines } = await runThroughProxy(world, [
        { match: isListing, action: { kind: "respond", status: 503, code: "SlowDown" } },
        {
          match: isGetOf("animelist.csv"),
          times: 2,
          action: { kind: "respond", status: 503, code: "SlowDown" },
        },
        {
          match: isGetOf("animelist.csv"),
          action: { kind: "respond", status: 500, code: "InternalError" },
        },
      ]);
      await assertSameAsClean(world, summary);
      const read = `Cannot read ${animelistKey(world)}: transient failure`;
      assert.deepEqual(lines.filter((line) => line.startsWith("extract:retry")), [
        `extract:retry listing attempt 1: Cannot list bucket "${world.bucket}" prefix "${PREFIX}": transient failure (HTTP 503 SlowDown)`,
        `extract:retry ${PREFIX}animelist.csv attempt 1 from byte 0: ${read} (HTTP 503 SlowDown)`,
        `extract:retry ${PREFIX}animelist.csv attempt 2 from byte 0: ${read} (HTTP 503 SlowDown)`,
        `extract:retry ${PREFIX}animelist.csv attempt 3 from byte 0: ${read} (HTTP 500 InternalError)`,
      ]);
    });

    await t.step("backoff is exponential with full jitter, and attempts are bounded", async () => {
      const proxy = startFaultProxy(store.endpoint, [
        {
          match: isGetOf("animelist.csv"),
          times: 100,
          action: { kind: "respond", status: 503, code: "SlowDown" },
        },
      ]);
      const settings = { ...store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint };
      const client = createS3Client(settings);
      try {
        const source = (await findSourceObjects(client, settings))
          .find((object) => object.file === "animelist.csv")!;
        const retries: { attempt: number; delayMs: number }[] = [];
        const read = async () => {
          for await (
            const _ of readObjectBytes(client, source, {
              maxAttempts: 5,
              baseDelayMs: 40,
              onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }),
            })
          ) { /* no byte arrives */ }
        };
        await assert.rejects(read, {
          name: "PipelineError",
          code: "SOURCE_UNREADABLE",
          message: `Cannot read ${animelistKey(world)} after 5 attempts: Cannot read ${
            animelistKey(world)
          }: transient failure (HTTP 503 SlowDown)`,
        });
        assert.deepEqual(retries.map((retry) => retry.attempt), [1, 2, 3, 4]);
        for (const { attempt, delayMs } of retries) {
          // Full jitter: uniform in [0, base * 2^(attempt-1)).
          assert.ok(delayMs >= 0 && delayMs < 40 * 2 ** (attempt - 1), `${attempt}: ${delayMs}`);
        }
        assert.equal(proxy.requests.filter(isGetOf("animelist.csv")).length, 5);
      } finally {
        client.destroy();
        await proxy.close();
      }
    });

    await t.step("a listing given up through its signal stops at once, with no retry", async () => {
      const proxy = startFaultProxy(store.endpoint, [
        {
          match: isListing,
          times: 100,
          action: { kind: "respond", status: 503, code: "SlowDown" },
        },
      ]);
      const settings = { ...store.settings(world.bucket, PREFIX), endpoint: proxy.endpoint };
      const client = createS3Client(settings);
      const giveUp = new AbortController();
      const reason = new Error("the run ended before its listing was used");
      try {
        const started = performance.now();
        await assert.rejects(
          findSourceObjects(client, settings, {
            // Without the signal the first backoff alone would wait up to a minute.
            maxAttempts: 8,
            baseDelayMs: 60_000,
            signal: giveUp.signal,
            onRetry: () => giveUp.abort(reason),
          }),
          (error: unknown) => error === reason,
        );
        assert.ok(performance.now() - started < 5_000, "not held up by the backoff");
        assert.equal(proxy.requests.filter(isListing).length, 1);
      } finally {
        client.destroy();
        await proxy.close();
      }
    });

    await t.step("a store that keeps failing fails the run after the last attempt", async () => {
      const { summary, proxy } = await runThroughProxy(world, [
        {
          match: isGetOf("animelist.csv"),
          times: 100,
          action: { kind: "respond", status: 500, code: "InternalError" },
        },
      ], { retry: { maxAttempts: 4, baseDelayMs: 20 } });
      const message = `Cannot read ${animelistKey(world)} after 4 attempts: Cannot read ${
        animelistKey(world)
      }: transient failure (HTTP 500 InternalError)`;
      assert.deepEqual(summary.error, { code: "SOURCE_UNREADABLE", message });
      assert.equal(proxy.requests.filter(isGetOf("animelist.csv")).length, 4);
      await assertNothingPublished(world.db, summary.runId, world.clean.tables, summary.error!);
    });

    await t.step("403 fails at once, naming bucket and key and no secret", async () => {
      const started = performance.now();
      const { summary, proxy, s3 } = await runThroughProxy(world, [
        {
          match: isGetOf("animelist.csv"),
          times: 100,
          action: { kind: "respond", status: 403, code: "AccessDenied" },
        },
      ], { retry: { baseDelayMs: 1_000 } });
      const message = `Cannot read ${animelistKey(world)}: access denied (HTTP 403 AccessDenied)`;
      assert.deepEqual(summary.error, { code: "SOURCE_DENIED", message });
      assert.equal(proxy.requests.filter(isGetOf("animelist.csv")).length, 1);
      assert.ok(performance.now() - started < 10_000);
      assert.ok(!message.includes(s3.secretAccessKey) && !message.includes(s3.accessKeyId));
      await assertNothingPublished(world.db, summary.runId, world.clean.tables, summary.error!);
    });

    await t.step("404 (the object vanished after listing) fails at once", async () => {
      const key = `${PREFIX}animelist.csv`;
      try {
        const { summary, proxy } = await runThroughProxy(world, [{
          match: isGetOf("animelist.csv"),
          action: { kind: "before", run: () => deleteObject(store, world.bucket, key) },
        }], { retry: { baseDelayMs: 1_000 } });
        const message = `Cannot read ${animelistKey(world)}: not found (HTTP 404 NoSuchKey)`;
        assert.deepEqual(summary.error, { code: "SOURCE_MISSING", message });
        assert.equal(proxy.requests.filter(isGetOf("animelist.csv")).length, 1);
        await assertNothingPublished(world.db, summary.runId, world.clean.tables, summary.error!);
      } finally {
        await store.put(world.bucket, key, world.bodies["animelist.csv"]!);
      }
    });

    await t.step("an object replaced between listing and reading fails the run", async () => {
      const key = `${PREFIX}animelist.csv`;
      try {
        const { summary } = await runThroughProxy(world, [{
          match: isGetOf("animelist.csv"),
          action: {
            kind: "before",
            run: () =>
              store.put(
                world.bucket,
                key,
                "user_id,anime_id,rating,watching_status,watched_episodes\n1,1,1,1,1\n",
              ),
          },
        }]);
        assert.equal(summary.error?.code, "SOURCE_CHANGED");
        assert.match(
          summary.error!.message,
          new RegExp(
            `^Cannot read "${world.bucket}/${PREFIX}animelist\\.csv": the object changed since ` +
              `it was listed \\(ETag "[0-9a-f]{32}" became "[0-9a-f]{32}"\\)$`,
          ),
        );
        await assertNothingPublished(world.db, summary.runId, world.clean.tables, summary.error!);
      } finally {
        await store.put(world.bucket, key, world.bodies["animelist.csv"]!);
      }
    });

    await t.step("an object replaced between a cut and the resume fails the run", async () => {
      const key = `${PREFIX}animelist.csv`;
      const changed = world.bodies["animelist.csv"]!.slice();
      changed[changed.length - 2] = changed[changed.length - 2] === 48 ? 49 : 48;
      try {
        const { summary, proxy } = await runThroughProxy(world, [
          { match: isGetOf("animelist.csv"), action: { kind: "cut", afterBytes: 100_000 } },
          {
            match: isGetOf("animelist.csv"),
            action: { kind: "before", run: () => store.put(world.bucket, key, changed) },
          },
        ]);
        assert.equal(summary.error?.code, "SOURCE_CHANGED", summary.error?.message);
        assert.ok(rangeStarts(proxy, "animelist.csv")[1]! > 0, "the failing read was a resume");
        await assertNothingPublished(world.db, summary.runId, world.clean.tables, summary.error!);
      } finally {
        await store.put(world.bucket, key, world.bodies["animelist.csv"]!);
      }
    });
  } finally {
    await store.close();
  }
});
