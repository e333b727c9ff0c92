// Owns executing one notebook headless with Jupyter's nbconvert and the Deno kernel.
/**
 * @example Execute a notebook into a temporary folder
 * ```ts ignore
 * import { executeNotebook } from "./execute_notebook.ts";
 * const result = await executeNotebook("notebooks/01_scope_and_gather.ipynb");
 * if (!result.ok) console.error(result.error);
 * ```
 */
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** A notebook as nbformat 4 stores it (the parts the pipeline reads). */
export interface NotebookDocument {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** One cell; code cells carry outputs. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  metadata: Record<string, unknown>;
  source: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** Options of {@link executeNotebook}. */
export interface ExecuteNotebookOptions {
  /** Folder for the executed copy; default a new temporary folder. The source is never changed. */
  outputDir?: string;
  /** Seconds one cell may run before it counts as failed; default 600. */
  cellTimeoutSeconds?: number;
  /**
   * Variables added to the kernel's environment (which is this process's), e.g. `ETL_CONFIG`; a
   * variable set to undefined is removed from it.
   */
  env?: Record<string, string | undefined>;
  /** Jupyter kernel name; default `deno` (registered by `deno jupyter --install`). */
  kernel?: string;
}

/** The outcome of {@link executeNotebook}. */
export type ExecutedNotebook =
  | { ok: true; path: string; outputPath: string; seconds: number; notebook: NotebookDocument }
  | { ok: false; path: string; seconds: number; error: string };

/**
 * Runs every cell in order with `jupyter nbconvert` ({@link executeArgs}), in the notebook's own
 * folder (so its relative imports resolve), and stops at the first cell that throws. Every output
 * a cell shows is in the executed copy, under that cell, however loaded the machine.
 *
 * @param path The .ipynb file.
 * @returns The executed notebook, or the failing cell and its error as nbconvert reports them.
 * @throws {Error} When `jupyter` cannot be started at all, saying how to install it.
 */
export async function executeNotebook(
  path: string,
  options: ExecuteNotebookOptions = {},
): Promise<ExecutedNotebook> {
  const source = resolve(path);
  const outputDir = options.outputDir ?? await Deno.makeTempDir({ prefix: "notebook-" });
  const started = performance.now();
  const output = await runJupyter(executeArgs(source, outputDir, options), options.env ?? {});
  const seconds = (performance.now() - started) / 1000;
  if (!output.success) {
    return { ok: false, path: source, seconds, error: failureText(output.stderr) };
  }
  const outputPath = `${outputDir}/${basename(source)}`;
  const notebook = JSON.parse(await Deno.readTextFile(outputPath)) as NotebookDocument;
  return { ok: true, path: source, outputPath, seconds, notebook };
}

/** The nbconvert config file that executes notebooks without losing outputs. */
export const OUTPUT_BARRIER_CONFIG = fileURLToPath(new URL("./output_barrier.py", import.meta.url));

/** Seconds nbclient waits for a cell's outputs after the cell replied. */
export const IOPUB_TIMEOUT_SECONDS = 120;

/**
 * The `jupyter` arguments {@link executeNotebook} runs, for a caller that runs them itself (the
 * bench, which samples the kernel's memory).
 *
 * @param source The .ipynb file, absolute.
 * @param outputDir Where nbconvert writes the executed copy (the source is left as it is).
 */
export function executeArgs(
  source: string,
  outputDir: string,
  options: Pick<ExecuteNotebookOptions, "kernel" | "cellTimeoutSeconds"> = {},
): string[] {
  return [
    "nbconvert",
    "--to",
    "notebook",
    // Executes (in place of --execute) with an executor that reads each cell's outputs until the
    // kernel has published them all: the Deno kernel can send a cell's `idle` before its last
    // outputs, which nbclient then drops without a word (see output_barrier.py).
    `--config=${OUTPUT_BARRIER_CONFIG}`,
    `--ExecutePreprocessor.kernel_name=${options.kernel ?? "deno"}`,
    `--ExecutePreprocessor.timeout=${options.cellTimeoutSeconds ?? 600}`,
    // nbclient waits only 4 s for a cell's `idle` after its reply and then goes on with a warning,
    // dropping what is still to come. Wait longer (the marker above waits as long), and fail the
    // cell rather than write a notebook with outputs lost.
    `--ExecutePreprocessor.iopub_timeout=${IOPUB_TIMEOUT_SECONDS}`,
    "--ExecutePreprocessor.raise_on_iopub_timeout=True",
    "--output-dir",
    outputDir,
    "--output",
    basename(source),
    source,
  ];
}

/**
 * Converts an executed notebook to a standalone HTML page with `jupyter nbconvert --to html`.
 *
 * @param path The executed .ipynb file.
 * @param outputDir Folder for the .html file (created if missing).
 * @returns The HTML file's path.
 * @throws {Error} When nbconvert fails, with its message.
 */
export async function exportNotebookHtml(path: string, outputDir: string): Promise<string> {
  await Deno.mkdir(outputDir, { recursive: true });
  const output = await runJupyter(
    ["nbconvert", "--to", "html", "--output-dir", outputDir, path],
    {},
  );
  if (!output.success) {
    throw new Error(`Cannot convert "${path}" to HTML: ${failureText(output.stderr)}`);
  }
  return `${outputDir}/${basename(path).replace(/\.ipynb$/, ".html")}`;
}

async function runJupyter(args: string[], env: Record<string, string | undefined>) {
  const removed = Object.keys(env).filter((name) => env[name] === undefined);
  const added = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  try {
    const output = await new Deno.Command("jupyter", {
      args,
      // Removing a variable takes the whole environment, given explicitly.
      ...(removed.length === 0 ? { env: added } : {
        clearEnv: true,
        env: Object.fromEntries(
          Object.entries({ ...Deno.env.toObject(), ...added }).filter(([name]) =>
            !removed.includes(name)
          ),
        ),
      }),
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    return { success: output.success, stderr: new TextDecoder().decode(output.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "Cannot run notebooks: the jupyter command is not installed; install jupyter-nbconvert " +
          "(Debian: apt-get install jupyter-nbconvert python3-nbclient) and run deno jupyter --install",
      );
    }
    throw error;
  }
}

// nbconvert prints its own log lines, then (for a failing cell) the cell and the traceback.
function failureText(stderr: string): string {
  // deno-lint-ignore no-control-regex
  const plain = stderr.replaceAll(/\x1b\[[0-9;]*m/g, "");
  const at = plain.indexOf("An error occurred while executing the following cell");
  const relevant = at >= 0
    ? plain.slice(at)
    : plain.split("\n").filter((line) =>
      !line.startsWith("[NbConvertApp]") && !line.includes('"deno jupyter" is unstable')
    ).join("\n");
  const lines = relevant.trim().split("\n");
  return lines.length > 60
    ? [...lines.slice(0, 60), `… ${lines.length - 60} more lines`].join("\n")
    : lines.join("\n");
}
