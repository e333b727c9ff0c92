// Tests for executing notebooks with nbconvert and the Deno kernel, and for checking their outputs.
import assert from "node:assert/strict";
import {
  executeArgs,
  executeNotebook,
  IOPUB_TIMEOUT_SECONDS,
  type NotebookDocument,
  OUTPUT_BARRIER_CONFIG,
} from "../lib/report/notebooks/execute_notebook.ts";
import { findOutputProblems, notebookOutputs } from "../lib/report/notebooks/notebook_outputs.ts";

function notebook(cells: string[]): NotebookDocument {
  return {
    cells: cells.map((source, i) => ({
      cell_type: "code",
      id: `c${i}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

async function write(dir: string, name: string, cells: string[]): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, JSON.stringify(notebook(cells)));
  return path;
}

Deno.test(
  "executeNotebook runs every cell and returns the outputs, source unchanged",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = await write(dir, "ok.ipynb", [
        `console.log("cwd", Deno.cwd());`,
        `await Deno.jupyter.display({ "image/svg+xml": "<svg/>", "text/plain": "chart" }, { raw: true });`,
        `console.log(Deno.env.get("NOTEBOOK_TEST_VALUE"));`,
      ]);
      const before = await Deno.readTextFile(path);
      const result = await executeNotebook(path, { env: { NOTEBOOK_TEST_VALUE: "from the test" } });
      assert.ok(result.ok, result.ok ? "" : result.error);
      const outputs = notebookOutputs(result.notebook);
      assert.deepEqual(outputs.map((output) => [output.cell, output.kind, output.mimeTypes]), [
        [0, "stream", []],
        [1, "display_data", ["image/svg+xml", "text/plain"]],
        [2, "stream", []],
      ]);
      assert.equal(outputs[0]!.text, `cwd ${await Deno.realPath(dir)}\n`);
      assert.equal(outputs[2]!.text, "from the test\n");
      assert.equal(await Deno.readTextFile(path), before);
      assert.notEqual(result.outputPath, path);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("executeNotebook keeps what each cell shows as it ends, under that cell", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The Deno kernel publishes a cell's outputs from a queue and its `idle` status directly, so a
    // large display shown last can leave after the `idle`: plain nbconvert then drops it (4 of
    // these 20 cells on an idle machine, varying run to run); nothing here pauses to help it.
    const cells = Array.from(
      { length: 20 },
      (_, i) =>
        `await Deno.jupyter.display({ "text/plain": "table ${i} " + "x".repeat(1_000_000) }, ` +
        `{ raw: true });\nconsole.log("after table ${i}");`,
    );
    const result = await executeNotebook(await write(dir, "last.ipynb", cells));
    assert.ok(result.ok, result.ok ? "" : result.error);
    const shown = result.notebook.cells.map((cell, i) =>
      notebookOutputs({ ...result.notebook, cells: [cell] })
        .map((output) => `${i}: ${output.kind} ${output.text.replace(/ x+$/, "").trim()}`)
    );
    assert.deepEqual(
      shown,
      cells.map((_, i) => [`${i}: display_data table ${i}`, `${i}: stream after table ${i}`]),
    );
    assert.deepEqual(
      result.notebook.cells.map((cell) => cell.execution_count),
      cells.map((_, i) => i + 1),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("executeNotebook stops at the first failing cell and reports it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await write(dir, "fails.ipynb", [
      "const rows = 3;",
      'throw new Error("Cannot find source files: missing anime.csv");',
      'await Deno.writeTextFile("never.txt", "x");',
    ]);
    const result = await executeNotebook(path, { cellTimeoutSeconds: 60 });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.match(result.error, /^An error occurred while executing the following cell/);
    assert.match(result.error, /throw new Error\("Cannot find source files: missing anime.csv"\)/);
    assert.match(result.error, /Error: Cannot find source files: missing anime.csv/);
    await assert.rejects(() => Deno.stat(`${dir}/never.txt`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findOutputProblems flags error outputs and secrets without quoting them", () => {
  const document = notebook(["a", "b"]);
  document.cells[0]!.outputs = [{
    output_type: "stream",
    name: "stdout",
    text: ["key: S3CRET-KEY\n"],
  }];
  document.cells[1]!.outputs = [{
    output_type: "error",
    ename: "Error",
    evalue: "boom",
    traceback: ["Error: boom"],
  }];
  const problems = findOutputProblems(document, ["", "S3CRET-KEY"]);
  assert.deepEqual(problems, [
    "cell 1: output contains configured secret #2",
    "cell 2: error output (Error: boom)",
  ]);
  assert.deepEqual(findOutputProblems(notebook(["a"]), ["S3CRET-KEY"]), []);
});

Deno.test("executeArgs waits long for a cell's outputs and fails the cell rather than drop them", () => {
  const args = executeArgs("/tmp/in/x.ipynb", "/tmp/out");
  // nbclient's default: wait 4 s after the cell's reply, then write the notebook without the
  // outputs still to come (a chart of notebook 02 went missing that way on a loaded machine).
  assert.ok(IOPUB_TIMEOUT_SECONDS >= 60);
  assert.ok(
    args.includes(`--ExecutePreprocessor.iopub_timeout=${IOPUB_TIMEOUT_SECONDS}`),
    args.join(" "),
  );
  assert.ok(args.includes("--ExecutePreprocessor.raise_on_iopub_timeout=True"), args.join(" "));
  // Executed by the config's executor, which waits for each cell's last outputs: not --execute.
  assert.ok(args.includes(`--config=${OUTPUT_BARRIER_CONFIG}`), args.join(" "));
  assert.ok(!args.includes("--execute"), args.join(" "));
  assert.deepEqual(args.slice(-5), [
    "--output-dir",
    "/tmp/out",
    "--output",
    "x.ipynb",
    "/tmp/in/x.ipynb",
  ]);
});
