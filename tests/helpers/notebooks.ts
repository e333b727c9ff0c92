// Owns what the notebook tests share: what each notebook must show, and running all five in order.
import assert from "node:assert/strict";
import {
  executeNotebook,
  type NotebookDocument,
} from "../../lib/report/notebooks/execute_notebook.ts";
import {
  findOutputProblems,
  notebookOutputs,
  type OutputSummary,
} from "../../lib/report/notebooks/notebook_outputs.ts";
import { portFromEnv } from "./ports.ts";

/** The project's notebooks folder. */
export const NOTEBOOKS = new URL("../../notebooks/", import.meta.url).pathname;

/** The embedded server's port for this run: `TEST_NOTEBOOK_PORT`, else a port free right now. */
export function notebookPort(): number {
  return portFromEnv("TEST_NOTEBOOK_PORT");
}

const svgs = (outputs: OutputSummary[]) =>
  outputs.filter((o) => o.mimeTypes.includes("image/svg+xml"));
const htmls = (outputs: OutputSummary[]) =>
  outputs.filter((o) => o.mimeTypes.includes("text/html"));

function shows(outputs: OutputSummary[], pattern: RegExp, what: string) {
  assert.ok(outputs.some((output) => pattern.test(output.text)), `missing ${what} (${pattern})`);
}

/** The titles of the charts notebook 02 draws, in order, each an SVG output. */
export const CHARTS_OF_02 = [
  "Anime per type",
  "Anime per genre",
  "MyAnimeList score per anime",
  "User rating per list entry",
  "Watching status per list entry",
  "List length per user",
];

/** What each notebook must show, beyond running without an error. */
export const EXPECTED: [string, (outputs: OutputSummary[]) => void][] = [
  ["01_scope_and_gather.ipynb", (outputs) => {
    shows(htmls(outputs), /Objects under s3:\/\//, "the object listing");
    for (
      const file of ["watching_status.csv", "anime.csv", "anime_with_synopsis.csv", "animelist.csv"]
    ) {
      shows(
        htmls(outputs),
        new RegExp(`^${file}, read from`, "m"),
        `the preview heading of ${file}`,
      );
    }
    const previews = htmls(outputs).filter((o) => /polars DataFrame: 5 rows/.test(o.text));
    assert.equal(previews.length, 4, previews.map((o) => o.text.slice(0, 200)).join("\n\n"));
  }],
  ["02_explore_and_assess.ipynb", (outputs) => {
    const charts = svgs(outputs).map((output) => output.text);
    for (const title of CHARTS_OF_02) {
      assert.ok(charts.some((svg) => svg.includes(title)), `missing chart "${title}"`);
    }
    for (const svg of svgs(outputs)) {
      assert.match(svg.text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
    shows(outputs, /animelist.csv profiled both ways: identical/, "the streamed profile check");
    shows(outputs, /Duplicate rows and keys/, "the duplicates table");
    shows(outputs, /watching_status codes missing from watching_status.csv/, "the missing codes");
    shows(outputs, /Score → anime_master.score \(parseScore\)/, "the cleaning rules");
    shows(outputs, /before and after buildAnimeRow/, "the row before and after cleaning");
  }],
  ["03_data_model.ipynb", (outputs) => {
    const diagrams = svgs(outputs).map((output) => output.text);
    const star = diagrams.find((svg) => svg.includes("Star schema"));
    assert.ok(star, "missing the star schema diagram");
    assert.equal(star.match(/class="table"/g)?.length, 11);
    assert.equal(star.match(/class="reference"/g)?.length, 10);
    assert.ok(diagrams.some((svg) => svg.includes('data-table="runs"')), "missing the etl diagram");
    shows(outputs, /public\.anime_list: Fact/, "the data dictionary");
    assert.ok(
      outputs.filter((o) => /every table and column has a COMMENT/.test(o.text)).length === 2,
      "a dictionary names an undocumented column",
    );
  }],
  ["04_run_etl.ipynb", (outputs) => {
    shows(outputs, /^run \d+: (succeeded|skipped)/m, "the run summary");
    shows(
      htmls(outputs),
      /Quality checks of run \d+ \(etl\.quality_checks\)[\s\S]*tables_non_empty/,
      "the quality table",
    );
    shows(
      htmls(outputs),
      /Quarantined rows of run \d+ by reason[\s\S]*unknown_watching_status/,
      "the rejects",
    );
    shows(
      htmls(outputs),
      /The first 3 rows of each reason[\s\S]*animelist\.csv/,
      "reject examples",
    );
    for (
      const caption of [
        /Highest-rated anime/,
        /Anime most users are watching right now/,
        /Anime most users have completed/,
        /Anime most users have dropped/,
        /Top genres by mean user rating/,
      ]
    ) {
      const table = htmls(outputs).find((output) => caption.test(output.text));
      assert.ok(table, `missing ${caption}`);
      assert.ok(table.text.split("\n").length >= 4, `${caption} has no rows:\n${table.text}`);
    }
    assert.ok(svgs(outputs).some((o) => o.text.includes("Mean user rating of the top genres")));
    shows(outputs, /^export run \d+: (succeeded|skipped) in /m, "the export's summary");
    const reconciled = htmls(outputs).find((o) => /The export read back with polars/.test(o.text));
    assert.ok(reconciled, "missing the export's reconciliation");
    assert.ok(!/false/.test(reconciled.text), `the export does not reconcile:\n${reconciled.text}`);
    assert.match(reconciled.text, /sum of source_id[\s\S]*sum of as_of/, "every column is summed");
    // One day later: the demo's next delta added and applied by an incremental run.
    shows(
      outputs,
      /Added s3:\/\/\S+animelist_updates\/\d{4}-\d{2}-\d{2}\.csv|never writes your bucket/,
      "the day added",
    );
    shows(outputs, /^incremental run: |^skipped: /m, "the day's run");
    shows(htmls(outputs), /Run \d+: (incremental|skipped) \(/, "the day's run kind");
    shows(
      htmls(outputs),
      /What each delta of run \d+ did \(etl\.run_files\): read = inserted \+ updated/,
      "the day's counts per delta",
    );
    shows(htmls(outputs), /Rows the deltas of run \d+ set/, "the rows the day set");
    shows(
      htmls(outputs),
      /Run \d+ beside the last full refresh[\s\S]*(incremental|skipped)/,
      "the day's timing",
    );
  }],
  ["05_write_up.ipynb", (outputs) => {
    shows(outputs, /Measured here: the last full refresh \(run \d+\)/, "the measured figures");
    shows(outputs, /At 100× the data/, "scenario 1");
    shows(outputs, /must start by \d\d:\d\d to be ready at 07:00/, "scenario 2");
    shows(outputs, /concurrent clients, each running the query repeatedly/, "scenario 3");
    shows(outputs, /No benchmark has been run|deno task bench, /, "the benchmark section");
    shows(htmls(outputs), /manifest\.json of run \d+: files/, "the export's manifest");
    shows(
      outputs,
      /read back with polars, its rows and column sums equal the published/,
      "the reconciled export",
    );
    // A split at D when the data has daily deltas (the demo store has three), else why there is none.
    shows(
      outputs,
      /A time-based split at D = \d{4}-\d{2}-\d{2}, the second-to-last as_of date|fewer than two as_of dates/,
      "the time-based split",
    );
  }],
];

/**
 * The notebook with every cell twice: run by nbconvert, the whole notebook runs twice in one kernel,
 * as when a reader runs it again without restarting. Written to `dir` (inside the repository), with
 * lib/mod.ts imported by its absolute URL.
 */
async function twiceInOneKernel(name: string, dir: string): Promise<string> {
  const notebook = JSON.parse(await Deno.readTextFile(`${NOTEBOOKS}${name}`)) as NotebookDocument;
  const lib = new URL("../../lib/mod.ts", import.meta.url).href;
  const again = (suffix: string) =>
    notebook.cells.map((cell) => ({
      ...cell,
      id: `${cell.id}${suffix}`,
      source: (Array.isArray(cell.source) ? cell.source.join("") : cell.source)
        .replaceAll('"../lib/mod.ts"', `"${lib}"`),
      ...(cell.cell_type === "code" ? { outputs: [], execution_count: null } : {}),
    }));
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({ ...notebook, cells: [...again(""), ...again("-again")] }),
  );
  return path;
}

/**
 * Runs a notebook's checks; when one fails, adds every code cell's first line and what it showed,
 * so that a failure on a machine nobody can watch says whether an output is missing, misplaced or
 * different.
 */
function explainFailure(notebook: NotebookDocument, run: () => void) {
  try {
    run();
  } catch (error) {
    if (!(error instanceof assert.AssertionError)) throw error;
    error.message += `\n\nWhat each code cell showed:\n${describeCells(notebook)}`;
    throw error;
  }
}

/** One line per code cell (its first source line), then one per output: its plain text, clipped. */
export function describeCells(notebook: NotebookDocument): string {
  const join = (value: string | string[] | undefined) =>
    Array.isArray(value) ? value.join("") : value ?? "";
  const clip = (text: string, chars: number) => {
    const flat = text.replaceAll(/\s+/g, " ").trim();
    return flat.length > chars ? `${flat.slice(0, chars - 1)}…` : flat;
  };
  return notebook.cells.flatMap((cell, index) => {
    if (cell.cell_type !== "code") return [];
    const outputs = (cell.outputs ?? []).map((output) => {
      const text = output.ename !== undefined
        ? `${output.ename}: ${output.evalue ?? ""}`
        : join(output.text ?? output.data?.["text/plain"] ?? Object.values(output.data ?? {})[0]);
      const types = Object.keys(output.data ?? {}).join(", ");
      return `  ${output.output_type}${types === "" ? "" : ` [${types}]`} ${clip(text, 160)}`;
    });
    return [
      `cell ${index}: ${clip(join(cell.source).split("\n")[0] ?? "", 80)}`,
      ...(outputs.length === 0 ? ["  (no output)"] : outputs),
    ];
  }).join("\n");
}

/**
 * Executes every notebook in order, each as a step, and checks its outputs and secrets; with
 * `twice`, each notebook runs twice in one kernel and both runs are checked.
 */
export async function runAll(
  t: Deno.TestContext,
  env: Record<string, string | undefined>,
  secrets: string[],
  options: { twice?: boolean } = {},
) {
  const outputDir = await Deno.makeTempDir({ prefix: "notebooks-out-" });
  // Inside the repository (git-ignored .data/), so that the kernel finds deno.json's imports.
  const scratch = new URL("../../.data/", import.meta.url).pathname;
  await Deno.mkdir(scratch, { recursive: true });
  const inputDir = await Deno.makeTempDir({ dir: scratch, prefix: "notebooks-twice-" });
  try {
    for (const [name, check] of EXPECTED) {
      const passed = await t.step(
        options.twice ? `${name}, twice in one kernel` : name,
        async () => {
          const path = options.twice
            ? await twiceInOneKernel(name, inputDir)
            : `${NOTEBOOKS}${name}`;
          const result = await executeNotebook(path, { outputDir, env });
          assert.ok(result.ok, result.ok ? "" : `${name} failed:\n${result.error}`);
          assert.deepEqual(findOutputProblems(result.notebook, secrets), []);
          const outputs = notebookOutputs(result.notebook);
          const explained = (run: () => void) => explainFailure(result.notebook, run);
          if (!options.twice) return explained(() => check(outputs));
          // Each run shows everything it promises; the second one also the same kinds of output.
          const cells = result.notebook.cells.length / 2;
          const first = outputs.filter((output) => output.cell < cells);
          const second = outputs.filter((output) => output.cell >= cells);
          explained(() => check(first));
          explained(() => check(second));
          // Log lines differ (the first run of 04 loads, the second is skipped); displays do not.
          const kinds = (list: OutputSummary[], offset: number) =>
            list.filter((output) => output.kind !== "stream")
              .map((output) => `${output.cell - offset} ${output.mimeTypes.join(",")}`);
          assert.deepEqual(kinds(second, cells), kinds(first, 0));
        },
      );
      if (!passed) break; // later notebooks build on earlier ones (04 loads what 05 reads)
    }
  } finally {
    await Deno.remove(outputDir, { recursive: true });
    await Deno.remove(inputDir, { recursive: true });
  }
}
