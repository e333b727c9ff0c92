// Executes the five notebooks top to bottom against the embedded default (the configured run is in
// notebooks_configured_test.ts, so that --parallel runs both at once), and checks the committed ones.
import assert from "node:assert/strict";
import type { NotebookDocument } from "../lib/report/notebooks/execute_notebook.ts";
import { findOutputProblems, notebookOutputs } from "../lib/report/notebooks/notebook_outputs.ts";
import { stopEmbeddedPostgres } from "../lib/embedded/embedded_postgres.ts";
import { EXPECTED, notebookPort, NOTEBOOKS, runAll } from "./helpers/notebooks.ts";

// The embedded default needs a checkout without credentials.cfg at its root (CI's clean clone);
// with one, that test is reported as ignored rather than run against the configured targets.
const REPO_CREDENTIALS = new URL("../credentials.cfg", import.meta.url).pathname;
const HAS_REPO_CREDENTIALS = (() => {
  try {
    Deno.statSync(REPO_CREDENTIALS);
    console.warn(
      `notebooks_test: ${REPO_CREDENTIALS} exists, so the embedded-default test is ignored`,
    );
    return true;
  } catch {
    return false;
  }
})();

Deno.test("committed notebooks carry small, clean outputs and pass deno fmt on a cold cache", async (t) => {
  for (const [name] of EXPECTED) {
    await t.step(name, async () => {
      const text = await Deno.readTextFile(`${NOTEBOOKS}${name}`);
      assert.ok(
        text.length < 300_000,
        `${name} is ${text.length} bytes: show heads and aggregates`,
      );
      const notebook = JSON.parse(text) as NotebookDocument;
      assert.deepEqual(findOutputProblems(notebook, []), []);
      assert.ok(notebookOutputs(notebook).length > 0, `${name} was committed without outputs`);
      assert.equal(
        (notebook.metadata.kernelspec as { name?: string } | undefined)?.name,
        "deno",
        "kernel",
      );
    });
  }
  await t.step("deno fmt --check with an empty cache", async () => {
    // deno fmt 2.9 reports a notebook cell without a final line feed as unformatted on a cold
    // cache, which a warm local cache hides; CI starts cold.
    const denoDir = await Deno.makeTempDir({ prefix: "deno-dir-" });
    try {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["fmt", "--check", NOTEBOOKS],
        env: { DENO_DIR: denoDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
    } finally {
      await Deno.remove(denoDir, { recursive: true });
    }
  });
});

Deno.test({
  name: "notebooks run top to bottom, twice in one kernel, against the embedded default",
  ignore: HAS_REPO_CREDENTIALS,
}, async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "notebooks-data-" });
  // The embedded server runs as an unprivileged user when the tests run as root.
  await Deno.chmod(dataDir, 0o755);
  const port = notebookPort();
  try {
    // No ETL_CONFIG and no credentials.cfg at the repository's root: the embedded default, as for
    // the commands (a named file that does not exist would be CONFIG_MISSING).
    // Each notebook runs twice in one kernel: re-running must not fail (no top-level declaration
    // clashes, the earlier session closed, the embedded server reused).
    await runAll(
      t,
      {
        ETL_DATA_DIR: dataDir,
        ETL_EMBEDDED_PORT: String(port),
        ETL_CONFIG: undefined,
      },
      [],
      { twice: true },
    );
  } finally {
    await stopEmbeddedPostgres({ rootDir: dataDir, port });
    await Deno.remove(dataDir, { recursive: true });
  }
});
