// Tests of the dashboard: rendered from a database loaded through s3rver, checked in headless
// Chromium against SQL, with screenshots saved to reports/test-artifacts/ (dashboard.png at
// 1,280 px, dashboard-failed-1400.png at 1,400 px after a failed run).
import assert from "node:assert/strict";
import { runScript } from "./helpers/project_script.ts";
import type { Page } from "playwright-core";
import { launchChromium } from "./helpers/chromium.ts";
import type { Sql } from "postgres";
import { writeDashboard } from "../lib/dashboard/write_dashboard.ts";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { migrate } from "../lib/db/migrate.ts";
import { runQuery } from "../lib/report/queries/run_query.ts";
import { runEtl } from "../lib/run_etl.ts";
import { checkDeadline } from "../lib/schedule/check_deadline.ts";
import { createCronSchedule } from "../lib/calendar/cron_schedule.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
  UNREAD_S3,
  writeConfig,
} from "./helpers/services.ts";
import { PREFIX, uploadGenerated } from "./helpers/uploads.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ARTIFACTS = `${ROOT}reports/test-artifacts`;
/** A name as hostile as real ones get: markup, quotes, an ampersand. */
const HOSTILE_NAME =
  `<img src=x onerror="document.title='pwned'"> "Kaguya-sama" & <b>Love</b> 'War'`;
/** A right-to-left override, long enough for the charts to clip it with an ellipsis after it. */
const OVERRIDE_NAME = "\u202EReversed title, long enough to be clipped in every chart";
/** The capstone's prefix: long keys are what made the source table overflow. */

Deno.test(
  "the dashboard shows the loaded data, matches SQL in Chromium, and escapes names",
  async (t) => {
    const store = await startTestStore();
    const dir = await Deno.makeTempDir({ prefix: "dashboard-" });
    const db = await freshDatabase("dash");
    const sql = connectTo(db);
    try {
      const bucket = uniqueBucket("dash");
      await store.createBucket(bucket);
      const dataset = await generateDataset(`${dir}/source`, {
        animelistRows: 3000,
        animeRows: 300,
        seed: 11,
      });
      await uploadGenerated(store, bucket, PREFIX, dataset);
      const targets = targetsFor(store.settings(bucket, PREFIX), db);
      const first = await runEtl(targets, { trigger: "schedule" });
      assert.equal(first.status, "succeeded", first.error?.message);
      const forced = await runEtl(targets, { trigger: "manual", force: true });
      assert.equal(forced.status, "succeeded", forced.error?.message);
      const skipped = await runEtl(targets, { trigger: "catch-up" });
      assert.equal(skipped.status, "skipped");
      const [watched, second] = await runQuery(sql, "anime_by_watching_status", [1, 10]);
      await sql`update anime_master set name = ${HOSTILE_NAME} where mal_id = ${watched!
        .mal_id as number}`;
      await sql`update anime_master set name = ${OVERRIDE_NAME} where mal_id = ${second!
        .mal_id as number}`;
      const now = new Date();
      await checkDeadline(sql, {
        dueAt: now,
        windowStart: new Date(now.getTime() - 3_600_000),
        windowEnd: new Date(now.getTime() + 3_600_000),
      });
      const cron = createCronSchedule("0 7 * * *", "Europe/Berlin");
      const outDir = `${dir}/reports/dashboard`;
      const { path } = await writeDashboard(sql, {
        outDir,
        schedule: { cron, deadline: "07:00" },
        read: { minVotes: 100, minRatings: 10 },
      });
      const html = await Deno.readTextFile(path);

      await t.step("the file is self-contained and escapes database text", () => {
        assert.doesNotMatch(html, /<script|<link|<iframe|@import|url\(/i);
        assert.deepEqual(
          [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]).filter((url) =>
            !url!.startsWith("#")
          ),
          [],
        );
        const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
        assert.ok(urls.every((url) => url === "http://www.w3.org/2000/svg"), urls.join(", "));
        assert.ok(!html.includes("<img"), "a name's markup must not become an element");
        assert.ok(
          html.includes("&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"),
        );
      });

      await t.step("Chromium shows the values SQL returns", async () => {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
          const requests: string[] = [];
          page.on("request", (request) => requests.push(request.url()));
          await page.goto(`file://${path}`);
          await checkPage(page, sql, forced.runId, watched!.mal_id as number);
          assert.deepEqual(requests, [`file://${path}`], "the page loads nothing else");
          assert.equal(await page.title(), "Anime ETL dashboard");
          await Deno.mkdir(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
          await Deno.writeTextFile(`${ARTIFACTS}/dashboard.html`, html);
        } finally {
          await browser.close();
        }
      });

      await t.step(
        "after a failed run: the banner says so, the data is intact, the page fits 1,400 px",
        async () => {
          const failed = await runEtl(
            targetsFor(store.settings(bucket, "missing/\u202Eprefix/"), db),
            { trigger: "manual" },
          );
          assert.equal(failed.status, "failed");
          const { path: failedPath } = await writeDashboard(sql, {
            outDir: `${dir}/reports/failed`,
            schedule: { cron, deadline: "07:00" },
            read: { minVotes: 100, minRatings: 10 },
          });
          const browser = await launchChromium();
          try {
            const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(`file://${failedPath}`);
            await checkAfterFailure(page, sql, {
              failedRun: failed.runId,
              publishedRun: forced.runId,
            });
            await Deno.mkdir(ARTIFACTS, { recursive: true });
            await page.screenshot({
              path: `${ARTIFACTS}/dashboard-failed-1400.png`,
              fullPage: true,
            });
          } finally {
            await browser.close();
          }
        },
      );

      await t.step("deno task dashboard writes the page from credentials.cfg", async () => {
        const cwd = `${dir}/cli`;
        await Deno.mkdir(cwd);
        await writeConfig(cwd, store.settings(bucket, PREFIX), db);
        const output = await runScript("lib/cli/dashboard.ts", [], { cwd });
        const stdout = output.stdout;
        assert.equal(output.code, 0, stdout + output.stderr);
        const written = `${await Deno.realPath(cwd)}/reports/dashboard/index.html`;
        assert.match(stdout, new RegExp(`^dashboard:written ${written} \\(\\d+ kB\\)$`, "m"));
        assert.match(stdout, new RegExp(`^open: file://${written}$`, "m"));
        assert.match(await Deno.readTextFile(written), /id="status" class="banner /);
      });
    } finally {
      await sql.end();
      await store.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test("the dashboard of an empty database says there is no data yet", async () => {
  const db = await freshDatabase("dashempty");
  const sql = connectTo(db);
  const dir = await Deno.makeTempDir({ prefix: "dashboard-empty-" });
  try {
    await migrate(sql);
    const { path } = await writeDashboard(sql, { outDir: dir });
    const html = await Deno.readTextFile(path);
    assert.match(html, /<div id="status" class="banner no-data" data-state="no-data">/);
    assert.match(html, /No data published yet/);
    assert.match(html, /The analyst views appear after the first published run/);
  } finally {
    await sql.end();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "deno task dashboard is read-only: a database no run has touched stays untouched",
  async (t) => {
    const db = await freshDatabase("dashro");
    const sql = connectTo(db);
    const cwd = await Deno.makeTempDir({ prefix: "dashboard-readonly-" });
    const schemas = async () =>
      (await sql`select nspname from pg_namespace where nspname !~ '^(pg_|information_schema)'
        order by 1`).map((row) => row.nspname as string);
    try {
      await writeConfig(cwd, UNREAD_S3, db);
      const before = await schemas();
      await t.step("an empty database: No data published yet, and no schema etl", async () => {
        const output = await runScript("lib/cli/dashboard.ts", [], { cwd });
        assert.equal(output.code, 0, output.stdout + output.stderr);
        assert.match(output.stdout, /^dashboard:status no-data No data published yet: /m);
        const html = await Deno.readTextFile(`${cwd}/reports/dashboard/index.html`);
        assert.match(html, /data-state="no-data"/);
        assert.deepEqual(await schemas(), before);
        assert.ok(!before.includes("etl"));
      });
      await t.step("a schema etl older than this version: refused, not migrated", async () => {
        await migrate(sql);
        const [last] = await sql`
          delete from etl.schema_migrations
          where version = (select max(version) from etl.schema_migrations) returning name`;
        const output = await runScript("lib/cli/dashboard.ts", [], { cwd });
        assert.equal(output.code, 1, output.stdout + output.stderr);
        assert.equal(
          output.stderr.trim(),
          `dashboard:failed DB_INCOMPATIBLE: Cannot read the dashboard's figures: schema etl lacks ` +
            `migration ${last!.name}; deno task etl (or deno task schedule) applies it`,
        );
        assert.equal(
          (await sql`select count(*)::int as n from etl.schema_migrations where name = ${
            last!.name
          }`)[0]!
            .n,
          0,
        );
      });
    } finally {
      await sql.end();
      await Deno.remove(cwd, { recursive: true });
    }
  },
);

/** The failed-run banner, no NULL, differences in the highest-rated chart, isolation, no overflow. */
async function checkAfterFailure(
  page: Page,
  sql: Sql,
  runs: { failedRun: number; publishedRun: number },
) {
  // The banner: the failure, and that the published data is intact and from when.
  assert.equal(await page.getAttribute("#status", "data-state"), "failed");
  const banner = (await page.textContent("#status"))!.trim();
  const [published] =
    await sql`select finished_at from etl.runs where run_id = ${runs.publishedRun}`;
  assert.match(banner, /^Last run failed: data from \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin/);
  assert.ok(
    banner.includes(`(${(published!.finished_at as Date).toISOString().slice(0, 16)}`),
    banner,
  );
  assert.match(banner, new RegExp(`run ${runs.failedRun} \\(manual\\) failed `));
  assert.match(banner, /SOURCE_MISSING/);
  assert.match(
    banner,
    new RegExp(`The published data is intact: run ${runs.publishedRun}, published`),
  );
  const [{ n }] = await sql`select count(*)::int as n from anime_list` as unknown as [
    { n: number },
  ];
  assert.ok(n > 0, "the failed run left the published data in place");

  // Nulls read as an em dash, never as NULL.
  const main = (await page.textContent("main"))!;
  assert.ok(!main.includes("NULL"), "a literal NULL is shown");
  assert.ok((await page.textContent("#runs"))!.includes("—"));

  // The highest-rated chart: the axis starts near the smallest score and says so; bars differ.
  const widths = await page.$$eval(
    "#highest-rated rect.bar",
    (bars) => bars.map((bar) => Number(bar.getAttribute("width"))),
  );
  assert.ok(widths.length > 1);
  assert.ok(
    Math.max(...widths) / Math.min(...widths) >= 1.5,
    `bars of the highest-rated chart barely differ: ${widths.join(", ")}`,
  );
  assert.match(
    (await page.textContent("#highest-rated text.axis-label"))!,
    /^MyAnimeList score \(axis starts at \d+(\.5)?, not 0\)$/,
  );
  const valueLabels = await page.$$eval(
    "#highest-rated text.value",
    (texts) => texts.map((text) => text.textContent),
  );
  for (const label of valueLabels) assert.match(label!, /^\d+\.\d\d · [\d,]+ votes$/);

  // One number of decimals per column: 9.00 beside 9.11, 53.0 beside 50.1.
  const column = (id: string, n: number) =>
    page.$$eval(
      `#${id} table tbody td:nth-child(${n})`,
      (cells) => cells.map((cell) => cell.textContent!),
    );
  for (const cell of await column("highest-rated", 7)) assert.match(cell, /^(\d+\.\d\d|—)$/);
  for (const cell of await column("watching", 5)) assert.match(cell, /^\d+\.\d$/);

  // User text is bidi-isolated: the ellipsis after a right-to-left override stays after it, and
  // the banner's sentence after an error holding one still reads left to right.
  const label = await page.evaluate(`(() => {
    const text = [...document.querySelectorAll("#watching text.label")]
      .find((candidate) => candidate.textContent.includes("Reversed title"));
    return {
      text: text.textContent,
      xs: Array.from({ length: text.getNumberOfChars() }, (_, i) => text.getStartPositionOfChar(i).x),
    };
  })()`) as { text: string; xs: number[] };
  assert.equal(label.text.at(-1), "…");
  assert.equal(
    Math.max(...label.xs),
    label.xs.at(-1),
    `the ellipsis moved: ${label.xs.join(", ")}`,
  );
  const wordX = await page.evaluate(`(() => {
    const range = document.createRange();
    const walker = document.createTreeWalker(document.querySelector("#status"), NodeFilter.SHOW_TEXT);
    const xs = [];
    for (let node; (node = walker.nextNode());) {
      const at = node.textContent.indexOf("published data");
      if (at < 0) continue;
      for (let i = at; i < at + "published".length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        xs.push(range.getBoundingClientRect().x);
      }
    }
    return xs;
  })()`) as number[];
  assert.equal(wordX.length, "published".length);
  assert.deepEqual(
    wordX,
    [...wordX].sort((a, b) => a - b),
    "the sentence after the error is reversed",
  );

  // No horizontal overflow at 1,400 px: neither the page nor any box inside it scrolls sideways.
  const overflowing = await page.evaluate(`(() => {
    const found = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) found.push("page " + root.scrollWidth);
    for (const el of document.querySelectorAll("body *")) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") {
        found.push((el.closest("section")?.id ?? "") + " " + el.tagName + "." + el.className +
          " " + el.scrollWidth + ">" + el.clientWidth);
      }
    }
    return found;
  })()`) as string[];
  assert.deepEqual(overflowing, [], `horizontal overflow at 1,400 px: ${overflowing.join("; ")}`);
}

async function checkPage(page: Page, sql: Sql, publishedRun: number, hostileId: number) {
  const attribute = (selector: string, name: string) => page.getAttribute(selector, name);

  // Freshness: the last successful run, the deadline marker, each source ETag.
  assert.equal(await attribute("#status", "data-state"), "current");
  const [published] = await sql`
    select max(run_id)::int as run_id from etl.runs where status = 'succeeded'`;
  assert.equal(published!.run_id, publishedRun);
  assert.equal(await attribute('[data-field="published-run"]', "data-value"), String(publishedRun));
  assert.match(
    (await page.textContent('[data-field="published-run"]'))!,
    new RegExp(`^run ${publishedRun}, finished \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d Europe/Berlin`),
  );
  assert.equal(await attribute('[data-field="deadline"]', "data-value"), "met");
  assert.match((await page.textContent('[data-field="next-trigger"]'))!, /07:00 Europe\/Berlin/);
  const freshness = (await page.textContent("#freshness"))!;
  for (const file of await sql`select etag from etl.run_files where run_id = ${publishedRun}`) {
    assert.ok(freshness.includes(file.etag), `ETag ${file.etag} shown`);
  }

  // Rows per table: the exact counts.
  const shown = await page.$$eval(
    "#tables tr[data-table]",
    (rows) => rows.map((row) => [row.getAttribute("data-table"), row.children[1]!.textContent]),
  );
  const tables = [
    "anime_list",
    "anime_master",
    "anime_meta",
    "anime_score_details",
    "anime_genre",
    "anime_synopsis",
    "anime_watching_status",
  ];
  const counts = [];
  for (const table of tables) {
    const [row] = await sql.unsafe(`select count(*)::int as n from public.${table}`);
    counts.push([table, (row!.n as number).toLocaleString("en-US")]);
  }
  assert.deepEqual(shown, counts);
  assert.equal(await page.locator("#tables svg rect.bar").count(), tables.length);

  // Quarantined rows by reason, for the published run.
  const rejects = await sql`
    select reason, count(*)::int as n from etl.rejects where run_id = ${publishedRun}
    group by reason order by n desc, reason`;
  const total = rejects.reduce((sum, row) => sum + (row.n as number), 0);
  assert.ok(total > 0, "the generated data has dirt to quarantine");
  assert.equal(await attribute("#quarantine [data-total]", "data-total"), String(total));
  assert.deepEqual(
    await page.$$eval(
      "#quarantine rect.bar",
      (bars) =>
        bars.map((bar) => [bar.getAttribute("data-label"), Number(bar.getAttribute("data-value"))]),
    ),
    rejects.map((row) => [row.reason, row.n]),
  );

  // Quality check history: one cell per run and check.
  const checks = await sql`select run_id::int as run_id, name, status from etl.quality_checks`;
  const cells = await page.$$eval(
    "#quality td[data-status]",
    (tds) =>
      tds.map((td) =>
        `${td.getAttribute("data-run")}/${td.getAttribute("data-check")}/${
          td.getAttribute("data-status")
        }`
      ),
  );
  assert.deepEqual(
    cells.sort(),
    checks.map((row) => `${row.run_id}/${row.name}/${row.status}`).sort(),
  );

  // Analyst views: the first rows and the bars equal the analysts' queries.
  const firstName = (id: string) =>
    page.textContent(`#${id} table tbody tr:first-child td:nth-child(2)`);
  const [rated] = await runQuery(sql, "highest_rated_anime", [100, 10]);
  assert.equal(await firstName("highest-rated"), rated!.name);
  for (const [id, status] of [["watching", 1], ["completed", 2], ["dropped", 4]] as const) {
    const rows = await runQuery(sql, "anime_by_watching_status", [status, 10]);
    assert.ok(rows.length > 0, `${id} has rows`);
    assert.equal(await firstName(id), rows[0]!.name, `${id} first row`);
    assert.deepEqual(
      await page.$$eval(
        `#${id} rect.bar`,
        (bars) => bars.map((bar) => Number(bar.getAttribute("data-value"))),
      ),
      rows.map((row) => row.users),
    );
  }
  const genres = await sql.unsafe(
    await Deno.readTextFile(`${ROOT}sql/dashboard/genre_popularity.sql`),
    [10],
  );
  assert.deepEqual(
    await page.$$eval(
      "#genres rect.bar",
      (bars) =>
        bars.map((bar) => [bar.getAttribute("data-label"), Number(bar.getAttribute("data-value"))]),
    ),
    genres.map((row) => [row.genre, row.list_entries]),
  );

  // The hostile name is text, not markup.
  const [hostile] = await sql`select name from anime_master where mal_id = ${hostileId}`;
  assert.equal(hostile!.name, HOSTILE_NAME);
  assert.equal(await firstName("watching"), HOSTILE_NAME);
  assert.equal(await page.locator("img").count(), 0);
  assert.equal(await page.locator("main b").count(), 0);
}
