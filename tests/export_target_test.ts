// Tests of the export target's notation and of [EXPORT] TARGET: env over file over none, exact errors.
import assert from "node:assert/strict";
import {
  describeExportTarget,
  parseExportTarget,
  parseRunLocation,
} from "../lib/config/export_target.ts";
import { resolveSettings } from "../lib/config/settings.ts";
import { PipelineError } from "../lib/errors.ts";

Deno.test("parseExportTarget reads folders and s3:// targets, and writes them back", async (t) => {
  const cases: [string, ReturnType<typeof parseExportTarget>, string][] = [
    ["exports", { kind: "directory", path: "exports" }, "exports"],
    ["/data/exports/", { kind: "directory", path: "/data/exports/" }, "/data/exports/"],
    ["s3://models", { kind: "s3", bucket: "models", prefix: "" }, "s3://models"],
    ["s3://models/", { kind: "s3", bucket: "models", prefix: "" }, "s3://models"],
    [
      " s3://my.models-1/training/anime/ ",
      { kind: "s3", bucket: "my.models-1", prefix: "training/anime" },
      "s3://my.models-1/training/anime",
    ],
  ];
  for (const [text, target, written] of cases) {
    await t.step(text, () => {
      assert.deepEqual(parseExportTarget(text), target);
      assert.equal(describeExportTarget(target), written);
      assert.deepEqual(parseExportTarget(written), target);
    });
  }
  const refused: [string, string][] = [
    ["", "expected a folder or s3://BUCKET/PREFIX, got nothing"],
    [
      "s3://",
      'expected s3://BUCKET/PREFIX with a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens, got "s3://"',
    ],
    [
      "s3://Models/x",
      'expected s3://BUCKET/PREFIX with a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens, got "s3://Models/x"',
    ],
    ["s3://models/a//b", 'expected no empty folder in the prefix, got "s3://models/a//b"'],
  ];
  for (const [text, problem] of refused) {
    await t.step(`refused: ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseExportTarget(text), { message: problem });
    });
  }
});

Deno.test("parseRunLocation takes TARGET/run=N and refuses anything else", () => {
  assert.deepEqual(parseRunLocation("run=7"), {
    target: { kind: "directory", path: "." },
    runId: 7,
  });
  assert.deepEqual(parseRunLocation("/x/exports/run=12/"), {
    target: { kind: "directory", path: "/x/exports" },
    runId: 12,
  });
  assert.deepEqual(parseRunLocation("s3://models/run=3"), {
    target: { kind: "s3", bucket: "models", prefix: "" },
    runId: 3,
  });
  for (const text of ["exports", "exports/run=0", "exports/run=12/anime", "exports/run=x"]) {
    assert.throws(() => parseRunLocation(text), {
      message: `expected the folder of one run's export, ending in run=N, got "${text}"`,
    });
  }
});

Deno.test("[EXPORT] TARGET: the environment overrides the file, which overrides none", async (t) => {
  const dir = await Deno.makeTempDir();
  const configPath = `${dir}/credentials.cfg`;
  const file = (extra: string) =>
    Deno.writeTextFile(
      configPath,
      `[S3]\nREGION = us-west-2\nBUCKET = b\n\n[DB]\nHOST = h\nDATABASE = d\nUSER = u\n${extra}`,
      { mode: 0o600 },
    );
  try {
    await t.step("absent: no export after runs", async () => {
      await file("");
      assert.equal((await resolveSettings({ configPath, env: {} })).exportTarget, undefined);
    });
    await t.step("from the file", async () => {
      await file("[EXPORT]\nTARGET = s3://models/anime\n");
      assert.deepEqual((await resolveSettings({ configPath, env: {} })).exportTarget, {
        kind: "s3",
        bucket: "models",
        prefix: "anime",
      });
    });
    await t.step("the environment wins; an empty variable does not count", async () => {
      const settings = await resolveSettings({
        configPath,
        env: { ETL_EXPORT_TARGET: "exports" },
      });
      assert.deepEqual(settings.exportTarget, { kind: "directory", path: "exports" });
      const blank = await resolveSettings({ configPath, env: { ETL_EXPORT_TARGET: " " } });
      assert.equal(blank.exportTarget?.kind, "s3");
    });
    await t.step("the embedded default reads the environment", async () => {
      const settings = await resolveSettings({
        configPath: `${dir}/missing.cfg`,
        env: { ETL_EXPORT_TARGET: "exports" },
      });
      assert.equal(settings.mode, "embedded");
      assert.deepEqual(settings.exportTarget, { kind: "directory", path: "exports" });
    });
    await t.step("a bad value names the setting and where it came from", async () => {
      await file("[EXPORT]\nTARGET = s3://B ; models\n");
      await assert.rejects(
        resolveSettings({ configPath, env: {} }),
        (error: unknown) =>
          error instanceof PipelineError && error.code === "CONFIG_INVALID" &&
          error.message ===
            `Invalid setting EXPORT.TARGET (from "${configPath}"): expected s3://BUCKET/PREFIX ` +
              `with a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens, got ` +
              `"s3://B ; models" (a ; or # after a value is part of the value: put comments on a ` +
              `line of their own)`,
      );
      await assert.rejects(
        resolveSettings({ configPath, env: { ETL_EXPORT_TARGET: "s3://x" } }),
        /^PipelineError: Invalid setting EXPORT\.TARGET \(from environment variable ETL_EXPORT_TARGET\)/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
