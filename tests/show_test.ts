// Tests for showing values: MIME bundles of charts, tables, frames and text; prose and number formats.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { formatBytes, formatNumber, formatSeconds } from "../lib/report/display/format.ts";
import { HtmlFragment } from "../lib/report/display/html_fragment.ts";
import { prose } from "../lib/report/display/prose.ts";
import { readBenchReport } from "../lib/report/bench/read_bench_report.ts";
import { mimeBundle, show } from "../lib/report/display/show.ts";
import { sqlListing } from "../lib/report/display/sql_listing.ts";
import { SvgImage } from "../lib/report/display/svg_image.ts";
import { assertWellFormed } from "./helpers/markup.ts";

Deno.test("mimeBundle gives each kind of value the representation notebooks and GitHub render", async (t) => {
  await t.step("SVG image", () => {
    assert.deepEqual(mimeBundle(new SvgImage("<svg/>", "chart")), {
      "image/svg+xml": "<svg/>",
      "text/plain": "chart",
    });
  });
  await t.step("HTML fragment", () => {
    assert.deepEqual(mimeBundle(new HtmlFragment("<p>x</p>", "x")), {
      "text/html": "<p>x</p>",
      "text/plain": "x",
    });
  });
  await t.step("polars frame: first rows as a captioned table, without the JSON copy", () => {
    const frame = pl.DataFrame({ MAL_ID: Array.from({ length: 12 }, (_, i) => String(i)) });
    const bundle = mimeBundle(frame);
    assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
    assertWellFormed(bundle["text/html"]!);
    assert.match(bundle["text/html"]!, /polars DataFrame: 12 rows × 1 columns, first 10 shown/);
    assert.equal(bundle["text/html"]!.match(/<tr>/g)?.length, 11);
  });
  await t.step("string and other values as plain text without colours", () => {
    assert.deepEqual(mimeBundle("done"), { "text/plain": "done" });
    assert.deepEqual(mimeBundle({ rows: 3 }), { "text/plain": "{ rows: 3 }" });
  });
});

Deno.test("show prints the plain-text form outside a notebook kernel", async () => {
  const printed: unknown[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => printed.push(...args);
  try {
    await show(new HtmlFragment("<p>3 files</p>", "3 files"));
  } finally {
    console.log = original;
  }
  assert.deepEqual(printed, ["3 files"]);
});

Deno.test("prose formats and escapes computed values and splits paragraphs", () => {
  const rows = 199200;
  const share = 54.6789;
  const note = prose`Loaded ${rows} rows <all of them>, ${share}% unrated.

  Next ${null}.`;
  assert.equal(note.text, "Loaded 199,200 rows <all of them>, 54.68% unrated.\n\nNext none.");
  assert.equal(
    note.html,
    "<p>Loaded 199,200 rows &lt;all of them&gt;, 54.68% unrated.</p>\n<p>Next none.</p>",
  );
});

Deno.test("format helpers write units with the numbers", async (t) => {
  const cases: [string, string, string][] = [
    ["integer", formatNumber(17562), "17,562"],
    ["decimal", formatNumber(7.456), "7.46"],
    ["decimals chosen", formatNumber(7.456, 1), "7.5"],
    ["bigint", formatNumber(109224747n), "109,224,747"],
    ["bytes", formatBytes(99), "99 bytes"],
    ["kilobytes", formatBytes(32_768), "32.8 kB"],
    ["gigabytes", formatBytes(1_900_000_000), "1.9 GB"],
    ["seconds", formatSeconds(6.04), "6.0 s"],
    ["minutes", formatSeconds(594), "9.9 min"],
    ["hours", formatSeconds(5400), "1.5 h"],
  ];
  for (const [name, actual, expected] of cases) {
    await t.step(name, () => assert.equal(actual, expected));
  }
});

Deno.test("sqlListing shows a query file under its path", async () => {
  const listing = await sqlListing("queries/highest_rated_anime");
  assert.ok(listing.text.startsWith("-- sql/queries/highest_rated_anime.sql\n-- Which anime"));
  assertWellFormed(listing.html);
  await assert.rejects(() => sqlListing("queries/no_such_query"), Deno.errors.NotFound);
});

Deno.test("readBenchReport reads latest.json and reports none when no benchmark ran", async () => {
  assert.equal(await readBenchReport("/nonexistent/reports/bench"), undefined);
  const dir = await Deno.makeTempDir();
  try {
    const report = {
      measuredAt: "2026-01-01T00:00:00Z",
      animelistRows: 8e6,
      results: [{
        name: "COPY alone",
        seconds: 9.6,
        rows: 8e6,
        bytes: 2e8,
        extrapolated: false,
        note: "",
      }],
      etl: { seconds: 32, peakRssBytes: 1e8, runSeconds: 30.8, rowsLoaded: 7968000 },
    };
    await Deno.writeTextFile(`${dir}/latest.json`, JSON.stringify(report));
    assert.deepEqual(await readBenchReport(dir), report);
    await Deno.writeTextFile(`${dir}/latest.json`, "{not json");
    await assert.rejects(() => readBenchReport(dir), {
      name: "SyntaxError",
      message: new RegExp(`^Cannot read benchmark "${dir}/latest.json": `),
    });
    await Deno.writeTextFile(`${dir}/latest.json`, JSON.stringify({ rows: 1 }));
    await assert.rejects(() => readBenchReport(dir), {
      name: "SyntaxError",
      message:
        `Cannot read benchmark "${dir}/latest.json": expected "results" and "etl.seconds" as deno task bench writes them`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
