// Owns `deno task notebooks`: execute every notebook in order, keep the outputs, export HTML.
import { DB_HELP, parseCommandLine, S3_HELP } from "./_command_line.ts";
import { resolveSettings, secretValues } from "../config/settings.ts";
import { errorMessage } from "../errors.ts";
import { notebookConfigFile, REPO_ROOT } from "../explore/open_session.ts";
import { formatBytes } from "../report/display/format.ts";
import {
  executeNotebook,
  exportNotebookHtml,
  type NotebookDocument,
} from "../report/notebooks/execute_notebook.ts";
import { findOutputProblems } from "../report/notebooks/notebook_outputs.ts";

const HELP = {
  command: "deno task notebooks",
  summary: "Executes the notebooks in notebooks/ in order, headless (nbconvert and the Deno " +
    "kernel), stops at the first that fails, and writes their HTML to reports/notebooks/.",
  configuration: [
    "the notebooks' sessions: ETL_CONFIG, else <repo>/credentials.cfg (missing: the embedded " +
    "default, PostgreSQL on 127.0.0.1:ETL_EMBEDDED_PORT, default 54329); ETL_DATA_DIR, else " +
    "<repo>/.data, for the embedded default's data",
    S3_HELP,
    DB_HELP,
    "jupyter (jupyter-nbconvert) and deno on PATH, the Deno kernel registered (deno jupyter --install)",
  ],
  exitCodes: [
    [0, "every notebook ran, and its outputs hold no secret"],
    [1, "a notebook failed or holds a secret in its outputs (later ones were not run)"],
    [2, "usage error"],
  ],
} as const;
const NOTEBOOKS = `${REPO_ROOT}notebooks`;
const HTML_DIR = `${REPO_ROOT}reports/notebooks`;
// Committed notebooks should stay small: heads and aggregates, not whole frames.
const SIZE_WARNING_BYTES = 300_000;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    only: {
      type: "string",
      value: "PREFIX",
      description: "run only the notebooks whose file name starts with PREFIX, e.g. 03",
    },
    "no-write-back": {
      type: "boolean",
      default: false,
      description: "leave the notebooks in notebooks/ unchanged (HTML is still written)",
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const names = (await notebookNames()).filter((name) =>
    !values.only || name.startsWith(values.only)
  );
  if (names.length === 0) {
    console.error(`notebooks:failed no notebook in "${NOTEBOOKS}" matches "${values.only ?? ""}"`);
    return 1;
  }
  const secrets = await configuredSecrets();
  const outputDir = await Deno.makeTempDir({ prefix: "notebooks-" });
  const started = performance.now();
  try {
    for (const name of names) {
      console.log(`notebooks:executing ${name}`);
      const result = await executeNotebook(`${NOTEBOOKS}/${name}`, { outputDir });
      if (!result.ok) {
        console.error(
          `notebooks:failed ${name} after ${
            result.seconds.toFixed(1)
          } s; later notebooks were not run\n${result.error}`,
        );
        return 1;
      }
      const problems = findOutputProblems(result.notebook, secrets);
      if (problems.length > 0) {
        console.error(
          `notebooks:failed ${name}: its outputs must not be kept:\n  ${problems.join("\n  ")}`,
        );
        return 1;
      }
      const text = `${JSON.stringify(forCommit(result.notebook), null, 1)}\n`;
      await Deno.writeTextFile(result.outputPath, text);
      const html = await exportNotebookHtml(result.outputPath, HTML_DIR);
      if (!values["no-write-back"]) {
        await Deno.writeTextFile(`${NOTEBOOKS}/${name}`, text);
        await formatNotebook(`${NOTEBOOKS}/${name}`);
      }
      const size = new TextEncoder().encode(text).length;
      console.log(
        `notebooks:executed ${name} in ${result.seconds.toFixed(1)} s (${formatBytes(size)}) → ${
          html.slice(REPO_ROOT.length)
        }`,
      );
      if (size > SIZE_WARNING_BYTES) {
        console.warn(
          `notebooks:warning ${name} is ${
            formatBytes(size)
          }; show heads and aggregates, not whole frames`,
        );
      }
    }
  } finally {
    await Deno.remove(outputDir, { recursive: true });
  }
  console.log(
    `notebooks:done ${names.length} notebook${names.length === 1 ? "" : "s"} in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s` +
      (values["no-write-back"] ? " (sources left unchanged)" : ""),
  );
  return 0;
}

async function notebookNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(NOTEBOOKS)) {
    if (entry.isFile && /^\d\d_.*\.ipynb$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
}

// The same config file the notebooks' sessions resolve, so its secrets can be searched for; a file
// ETL_CONFIG names that does not exist fails here, before any notebook runs.
async function configuredSecrets(): Promise<string[]> {
  return secretValues(await resolveSettings({ ...notebookConfigFile(), warn: () => {} }));
}

// Execution timestamps change on every run and would make every commit of a notebook a full diff.
// Each cell's source also ends with a line feed: without one, deno fmt 2.9 reports the notebook as
// unformatted on a cold cache (as in CI) even though formatting changes nothing.
function forCommit(notebook: NotebookDocument): NotebookDocument {
  return {
    ...notebook,
    cells: notebook.cells.map((cell) => {
      const { execution: _, ...metadata } = cell.metadata;
      return { ...cell, metadata, source: endWithLineFeed(cell.source) };
    }),
  };
}

function endWithLineFeed(source: string | string[]): string | string[] {
  if (typeof source === "string") {
    return source === "" || source.endsWith("\n") ? source : `${source}\n`;
  }
  const last = source.at(-1);
  return last === undefined || last.endsWith("\n") ? source : [...source.slice(0, -1), `${last}\n`];
}

async function formatNotebook(path: string) {
  const output = await new Deno.Command("deno", { args: ["fmt", "--quiet", path], stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`Cannot format "${path}": ${new TextDecoder().decode(output.stderr)}`);
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`notebooks:failed ${errorMessage(error)}`);
    Deno.exit(1);
  }
}
