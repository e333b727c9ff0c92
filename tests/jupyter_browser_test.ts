// End-to-end tests of `deno task jupyter`: the five notebooks clicked through in Chromium in the
// classic Notebook UI (Kernel > Restart & Run All), notebook 04 run twice in one kernel, and Ctrl-C.
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startEmbeddedPostgres, stopEmbeddedPostgres } from "../lib/embedded/embedded_postgres.ts";
import { launchChromium } from "./helpers/chromium.ts";
import { CHARTS_OF_02, NOTEBOOKS } from "./helpers/notebooks.ts";
import { portFromEnv } from "./helpers/ports.ts";
import { projectPath } from "./helpers/project_script.ts";
import { temporaryDirectory } from "./helpers/disposables.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  uniqueBucket,
  writeConfig,
} from "./helpers/services.ts";
import { PREFIX } from "./helpers/uploads.ts";
import { spawnTaskGroup, stopGroup, type TaskGroup } from "./helpers/task_group.ts";

const SCREENSHOT = projectPath("reports/notebooks/02_explore_and_assess-1400.png");

interface Server {
  group: TaskGroup;
  base: string;
  token: string;
  dataDir: string;
  embeddedPort: number;
}

/** `deno task jupyter` with a data folder and ports of its own, once it prints its URL. */
async function startServer(label: string): Promise<Server> {
  const dataDir = await Deno.makeTempDir({ prefix: `jupyter-${label}-` });
  // The embedded server runs as an unprivileged user when the tests run as root.
  await Deno.chmod(dataDir, 0o755);
  const embeddedPort = portFromEnv("TEST_JUPYTER_EMBEDDED_PORT");
  const group = spawnTaskGroup(
    "jupyter",
    ["--port", String(portFromEnv("TEST_JUPYTER_PORT"))],
    dataDir,
    {
      ETL_DATA_DIR: dataDir,
      ETL_EMBEDDED_PORT: String(embeddedPort),
    },
  );
  try {
    const ready = await group.waitFor("stdout", /^jupyter:ready /, 240_000);
    const url = new URL(ready.slice("jupyter:ready ".length));
    return {
      group,
      base: url.origin,
      token: url.searchParams.get("token")!,
      dataDir,
      embeddedPort,
    };
  } catch (error) {
    await stopGroup(group);
    await cleanUp({ dataDir, embeddedPort });
    throw error;
  }
}

async function cleanUp(server: Pick<Server, "dataDir" | "embeddedPort">) {
  await stopEmbeddedPostgres({ rootDir: server.dataDir, port: server.embeddedPort });
  await Deno.remove(server.dataDir, { recursive: true });
}

/** The embedded PostgreSQL the server prepared: already running, so this only reads its settings. */
function database(server: Server) {
  return startEmbeddedPostgres({ rootDir: server.dataDir, port: server.embeddedPort });
}

/** Opens a notebook in the UI and waits for its kernel; autosave off, so notebooks/ stays as it is. */
async function openNotebook(browser: Browser, server: Server, name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${server.base}/notebooks/${name}?token=${server.token}`);
  await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 120_000 });
  await page.evaluate(() =>
    (globalThis as unknown as {
      Jupyter: { notebook: { set_autosave_interval(ms: number): void } };
    })
      .Jupyter.notebook.set_autosave_interval(0)
  );
  return page;
}

/** Clicks through a menu: opens `top`, hovers each submenu, clicks the last item. */
async function menu(page: Page, top: string, ...path: string[]) {
  await page.click(top);
  for (const submenu of path.slice(0, -1)) await page.hover(submenu);
  await page.click(path.at(-1)!);
}

/**
 * Runs every cell through the menus (Cell > All Output > Clear first, so that old prompts cannot
 * pass for new ones) and waits until each code cell has its execution count and the kernel is idle,
 * or an error shows.
 */
async function runAll(page: Page, how: "restart" | "same kernel") {
  await menu(page, "#celllink", "#all_outputs", "#clear_all_output");
  if (how === "restart") {
    await menu(page, "#kernellink", "#restart_run_all");
    await page.click(".modal-footer button.btn-danger"); // "Restart and Run All Cells"
  } else {
    await menu(page, "#celllink", "#run_all_cells");
  }
  // Evaluated in the page, as text: the tests' type check has no DOM types.
  await page.waitForFunction(
    `document.querySelector(".output_error") !== null || (() => {
      const prompts = [...document.querySelectorAll(".code_cell .input_prompt")]
        .map((prompt) => prompt.textContent ?? "");
      return prompts.length > 0 && prompts.every((prompt) => /\\[\\d+\\]/.test(prompt)) &&
        document.querySelector("#kernel_indicator_icon").classList.contains("kernel_idle_icon");
    })()`,
    null,
    { timeout: 300_000, polling: 250 },
  );
  const errors = await page.locator(".output_error").allTextContents();
  assert.deepEqual(errors, [], `error output in ${page.url()}`);
}

/** The text outputs (pre blocks) of the page. */
function texts(page: Page): Promise<string[]> {
  return page.locator(".output_subarea pre").allTextContents();
}

/** The rows of the HTML table whose caption starts with `caption`, as cell texts. */
function tableRows(page: Page, caption: string): Promise<string[][]> {
  return page.$$eval(".output_html table", (tables, caption) => {
    const table = tables.find((t) => t.querySelector("caption")?.textContent?.startsWith(caption));
    return [...(table?.querySelectorAll("tbody tr") ?? [])].map((row) =>
      [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? "")
    );
  }, caption);
}

async function hashNotebooks(): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for await (const entry of Deno.readDir(NOTEBOOKS)) {
    // Only the notebooks: the server may make an empty .ipynb_checkpoints/ (git-ignored) on open.
    if (!entry.name.endsWith(".ipynb")) continue;
    const bytes = await Deno.readFile(`${NOTEBOOKS}${entry.name}`).catch(() => new Uint8Array());
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    hashes[entry.name] = [...new Uint8Array(digest)].map((b) => b.toString(16)).join("");
  }
  return hashes;
}

/** The server's process (found by its port) and its kernels (their JPY_PARENT_PID is its pid). */
async function serverProcesses(server: Server): Promise<{ server: number[]; kernels: number[] }> {
  const port = new URL(server.base).port;
  const found = { server: [] as number[], kernels: [] as number[] };
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const read = (file: string) => Deno.readTextFile(`/proc/${entry.name}/${file}`).catch(() => "");
    if ((await read("cmdline")).split("\0").includes(`--port=${port}`)) {
      found.server.push(Number(entry.name));
    }
  }
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const environ = await Deno.readTextFile(`/proc/${entry.name}/environ`).catch(() => "");
    const parent = /(?:^|\0)JPY_PARENT_PID=(\d+)/.exec(environ)?.[1];
    if (parent !== undefined && found.server.includes(Number(parent))) {
      found.kernels.push(Number(entry.name));
    }
  }
  return found;
}

/** The summary notebook 04 prints: `run N: status in S s`. */
function runSummary(outputs: string[]): { runId: number; status: string } {
  const line = outputs.map((text) => /^run (\d+): (\w+) in [\d.]+ s$/m.exec(text)).find(Boolean);
  assert.ok(line, `no run summary among the outputs:\n${outputs.join("\n---\n")}`);
  return { runId: Number(line[1]), status: line[2]! };
}

Deno.test(
  "deno task jupyter: each notebook runs in Chromium through the Notebook UI, and Ctrl-C stops it",
  async (t) => {
    const before = await hashNotebooks();
    const server = await startServer("ui");
    let browser: Browser | undefined;
    try {
      await t.step("it said it loaded the demo, since nothing was published", () => {
        assert.ok(
          server.group.stdout.some((line) =>
            /^jupyter:demo nothing is published in postgres:\/\/.*yet: loading the demo dataset/
              .test(line)
          ),
          server.group.stdout.join("\n"),
        );
        assert.ok(server.group.stdout.some((line) => /^jupyter:demo run 1 succeeded/.test(line)));
        assert.match(server.base, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.match(server.token, /^[0-9a-f]{48}$/);
      });
      browser = await launchChromium();

      await t.step("01: the four previews are polars frames shown as HTML tables", async () => {
        const page = await openNotebook(browser!, server, "01_scope_and_gather.ipynb");
        await runAll(page, "restart");
        const captions = await page.locator(".output_html table caption").allTextContents();
        const frames = captions.filter((caption) =>
          /^polars DataFrame: 5 rows × \d+ columns/.test(caption)
        );
        assert.equal(frames.length, 4, captions.join("\n"));
        await page.close();
      });

      await t.step("02: every chart is rendered as SVG; a 1,400 px screenshot", async () => {
        const page = await openNotebook(browser!, server, "02_explore_and_assess.ipynb");
        await runAll(page, "restart");
        const charts = await page.$$eval(".output_svg svg", (svgs) =>
          svgs.map((svg) => ({
            title: svg.querySelector("title")?.textContent ?? "",
            width: svg.getBoundingClientRect().width,
            height: svg.getBoundingClientRect().height,
          })));
        assert.equal(charts.length, CHARTS_OF_02.length, JSON.stringify(charts));
        for (const [i, title] of CHARTS_OF_02.entries()) {
          assert.ok(charts[i]!.title.startsWith(title), `chart ${i + 1}: ${charts[i]!.title}`);
          assert.ok(charts[i]!.width > 100 && charts[i]!.height > 100, `${title} is drawn`);
        }
        const frames = await page.locator(".output_html table").count();
        assert.ok(frames >= 15, `${frames} tables`);
        // The notebook scrolls inside #site; let it grow so that the page holds all of it.
        await page.addStyleTag({
          content: "#site { height: auto !important; overflow: visible !important; }",
        });
        await Deno.mkdir(projectPath("reports/notebooks"), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        await page.close();
      });

      await t.step("03: the two diagrams", async () => {
        const page = await openNotebook(browser!, server, "03_data_model.ipynb");
        await runAll(page, "restart");
        assert.equal(await page.locator(".output_svg svg").count(), 2);
        assert.equal(
          await page.locator('.output_svg svg g.table[data-table="anime_list"]').count(),
          1,
        );
        await page.close();
      });

      await t.step("04: the run summary says what etl.runs and etl.run_files hold", async () => {
        const page = await openNotebook(browser!, server, "04_run_etl.ipynb");
        await runAll(page, "restart");
        const shown = runSummary(await texts(page));
        const sql = connectTo(await database(server));
        try {
          const runs = await sql<
            { run_id: number; status: string; kind: string; trigger: string }[]
          >`
            select run_id::int, status, kind, trigger from etl.runs where run_id > 1 order by run_id`;
          // Sources unchanged since the demo load by deno task jupyter (run 1): skipped; then the
          // day the notebook added, applied by an incremental run.
          assert.deepEqual(shown, { runId: 2, status: "skipped" });
          assert.deepEqual(
            [...runs].map((run) => `${run.run_id} ${run.status} ${run.kind} ${run.trigger}`),
            ["2 skipped skipped notebook", "3 succeeded incremental notebook"],
          );
          const html = (await page.locator(".output_html").allTextContents()).join("\n");
          assert.match(html, /Run 3: incremental \(1 new delta after /);
          assert.match(html, /What each delta of run 3 did \(etl\.run_files\)/);
          const files = await sql<
            {
              source_file: string;
              rows_read: number;
              rows_loaded: number;
              rows_quarantined: number;
            }[]
          >`
            select source_file, rows_read::int, rows_loaded::int, rows_quarantined::int
            from etl.run_files where run_id = 1 order by source_file`;
          const rows = await tableRows(page, "Source objects of run 1 (etl.run_files)");
          const number = (text: string) => Number(text.replaceAll(",", ""));
          const header = await page.$$eval(".output_html table", (tables) => {
            const table = tables.find((t) =>
              t.querySelector("caption")?.textContent?.startsWith("Source objects of run 1")
            );
            return [...(table?.querySelectorAll("thead th") ?? [])].map((th) =>
              th.textContent ?? ""
            );
          });
          const column = (name: string) => header.indexOf(name);
          const fromPage = rows.map((row) => ({
            source_file: row[column("source_file")]!,
            rows_read: number(row[column("rows_read")]!),
            rows_loaded: number(row[column("rows_loaded")]!),
            rows_quarantined: number(row[column("rows_quarantined")]!),
          }));
          // Both in one order: the page's is the notebook's, SQL's the database collation's.
          const byFile = (a: { source_file: string }, b: { source_file: string }) =>
            a.source_file < b.source_file ? -1 : a.source_file > b.source_file ? 1 : 0;
          assert.deepEqual(fromPage.sort(byFile), [...files].sort(byFile));
          // The four snapshot files and the demo store's three daily deltas.
          assert.equal(files.length, 7);
        } finally {
          await sql.end();
        }
        await page.close();
      });

      await t.step("05: the write-up's figures", async () => {
        const page = await openNotebook(browser!, server, "05_write_up.ipynb");
        await runAll(page, "restart");
        const html = (await page.locator(".output_html").allTextContents()).join("\n");
        // The full refresh's figures, though notebook 04's day published an incremental run since.
        assert.match(html, /Measured here: the last full refresh \(run 1\)/);
        assert.match(html, /At 100× the data/);
        assert.match(html, /must start by \d\d:\d\d to be ready at 07:00/);
        // The demo's deltas are dated 2026-12-01 to 2026-12-03, and notebook 04 added 2026-12-04:
        // D is the second-to-last.
        assert.match(html, /A time-based split at D = 2026-12-03, the second-to-last as_of date/);
        assert.match(html, /Train on the [\d,]+ rows as of 2026-12-03/);
        await page.close();
      });

      await t.step("notebooks/ is unchanged: nothing was saved", async () => {
        assert.deepEqual(await hashNotebooks(), before);
      });

      await t.step(
        "Ctrl-C stops the server and its kernels, not the embedded PostgreSQL",
        async () => {
          await browser!.close();
          browser = undefined;
          const running = await serverProcesses(server);
          assert.equal(running.server.length, 1, JSON.stringify(running));
          assert.equal(
            running.kernels.length,
            5,
            `one kernel per notebook: ${JSON.stringify(running)}`,
          );
          server.group.signal("SIGINT"); // as Ctrl-C in a terminal: the whole group
          const status = await server.group.process.status;
          assert.equal(status.code, 0, server.group.stderr.join("\n"));
          assert.ok(
            server.group.stdout.includes("jupyter:stopped"),
            server.group.stdout.join("\n"),
          );
          const alive = (pid: number) =>
            Deno.readTextFile(`/proc/${pid}/stat`).then(() => true, () => false);
          for (const pid of [...running.server, ...running.kernels]) {
            assert.equal(await alive(pid), false, `process ${pid} of the server is left`);
          }
          const sql = connectTo(await database(server));
          try {
            const [row] = await sql`select count(*)::int as runs from etl.runs`;
            assert.equal(row?.runs, 3);
          } finally {
            await sql.end();
          }
        },
      );
    } finally {
      await browser?.close();
      await stopGroup(server.group);
      await cleanUp(server);
    }
  },
);

Deno.test(
  "deno task jupyter: notebook 04 run twice in one kernel reports its second run consistently",
  async (t) => {
    const server = await startServer("rerun");
    const browser = await launchChromium();
    try {
      const page = await openNotebook(browser, server, "04_run_etl.ipynb");
      const runs: { runId: number; status: string; published: string }[] = [];
      for (const how of ["restart", "same kernel"] as const) {
        await t.step(
          how === "restart" ? "Restart & Run All" : "Run All again, same kernel",
          async () => {
            await runAll(page, how);
            const outputs = await texts(page);
            const html = (await page.locator(".output_html").allTextContents()).join("\n");
            const published = /Published tables come from run (\d+)/.exec(html)?.[1] ?? "";
            runs.push({ ...runSummary(outputs), published });
            assert.match(
              html,
              new RegExp(`This run: ${runs.at(-1)!.status} \\(run ${runs.at(-1)!.runId}\\)`),
            );
          },
        );
      }
      await t.step("each Run All is a skipped run, then the day's incremental run", async () => {
        // The second Run All finds the first one's day published (run 3), and adds the next.
        assert.deepEqual(runs, [
          { runId: 2, status: "skipped", published: "1" },
          { runId: 4, status: "skipped", published: "3" },
        ]);
        const sql = connectTo(await database(server));
        try {
          const rows = await sql<{ run_id: number; status: string }[]>`
            select run_id::int, status from etl.runs order by run_id`;
          assert.deepEqual([...rows].map((row) => `${row.run_id} ${row.status}`), [
            "1 succeeded",
            "2 skipped",
            "3 succeeded",
            "4 skipped",
            "5 succeeded",
          ]);
          // Each run's last cell closed its session: no notebook connection is left open.
          const [open] = await sql<{ sessions: number }[]>`
            select count(*)::int as sessions from pg_stat_activity
            where application_name = 'anime-notebook'`;
          assert.equal(open?.sessions, 0);
        } finally {
          await sql.end();
        }
      });
      await page.close();
    } finally {
      await browser.close();
      server.group.signal("SIGINT");
      await server.group.process.status;
      await stopGroup(server.group);
      await cleanUp(server);
    }
  },
);

Deno.test(
  "deno task jupyter --config: the configured targets, nothing loaded; a missing file is CONFIG_MISSING",
  async (t) => {
    await using store = await startTestStore();
    await using dir = await temporaryDirectory("jupyter-configured-");
    const bucket = uniqueBucket("jupyter");
    await store.createBucket(bucket);
    const db = await freshDatabase("jupyter_configured");
    const configPath = await writeConfig(dir.path, store.settings(bucket, PREFIX), db);

    await t.step("a config file that does not exist: exit 2, nothing started", async () => {
      const group = spawnTaskGroup("jupyter", ["--config", `${dir.path}/missing.cfg`], dir.path);
      try {
        const status = await group.process.status;
        assert.equal(status.code, 2, group.stderr.join("\n"));
        assert.match(group.stderr.join("\n"), /CONFIG_MISSING/);
        assert.ok(!group.stdout.some((line) => line.startsWith("jupyter:ready")));
      } finally {
        await stopGroup(group);
      }
    });

    await t.step("a config file: its targets, no demo, no run; Ctrl-C exits 0", async () => {
      const group = spawnTaskGroup("jupyter", [
        "--config",
        configPath,
        "--port",
        String(portFromEnv("TEST_JUPYTER_PORT")),
      ], dir.path);
      try {
        await group.waitFor("stdout", /^jupyter:ready http:\/\/127\.0\.0\.1:\d+\/tree\?token=/);
        const data = group.stdout.find((line) => line.startsWith("jupyter:data "));
        assert.equal(
          data,
          `jupyter:data the configured targets: s3://${bucket}/${PREFIX} into ` +
            `postgres://${db.user}@${db.host}:${db.port}/${db.database}`,
        );
        assert.ok(!group.stdout.some((line) => line.startsWith("jupyter:demo")));
        const output = [...group.stdout, ...group.stderr].join("\n");
        for (const secret of [db.password, store.settings(bucket, PREFIX).secretAccessKey]) {
          assert.ok(!output.includes(secret), "a credential in the output");
        }
        group.signal("SIGINT");
        const status = await group.process.status;
        assert.equal(status.code, 0, group.stderr.join("\n"));
        await using sql = connectTo(db);
        const [etl] = await sql`select to_regclass('etl.runs') is not null as exists`;
        assert.equal(
          etl?.exists,
          false,
          "deno task jupyter ran the pipeline on configured targets",
        );
      } finally {
        await stopGroup(group);
      }
    });
  },
);
