// Owns `deno task jupyter`: the notebooks in a Jupyter Notebook server, with the data they need.
import { resolve } from "node:path";
import {
  CONFIG_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
  S3_HELP,
  usageError,
} from "./_command_line.ts";
import { REPO_ROOT } from "../explore/open_session.ts";
import { ensureDenoKernel, startJupyterServer } from "../report/notebooks/jupyter_server.ts";
import { prepareNotebookData } from "../report/notebooks/prepare_notebook_data.ts";
import { createProgress } from "../runtime/progress.ts";
import { createStopRequests } from "../runtime/stop_requests.ts";

const HELP = {
  command: "deno task jupyter",
  summary: "Serves notebooks/ in a Jupyter Notebook server on 127.0.0.1 with the Deno kernel and " +
    "prints the URL to open, token included. With no credentials.cfg it starts (or reuses) the " +
    "embedded default and loads the demo dataset if nothing is published yet. Ctrl-C stops the " +
    "server and its kernels; the embedded PostgreSQL keeps running (deno task db:stop stops it).",
  configuration: [
    "the notebooks' targets: --config FILE, else ETL_CONFIG (either must exist), else " +
    "<repo>/credentials.cfg; none of them: the embedded default, PostgreSQL on " +
    "127.0.0.1:ETL_EMBEDDED_PORT (default 54329) with its data in ETL_DATA_DIR, else <repo>/.data",
    S3_HELP,
    DB_HELP,
    "jupyter-notebook (Debian: apt-get install jupyter-notebook) and deno on PATH; the Deno " +
    "kernel is registered (deno jupyter --install) if it is not yet",
  ],
  exitCodes: [
    [0, "stopped by Ctrl-C or SIGTERM: the server shut its kernels down"],
    [1, "the server could not start or ended by itself, or the demo load failed"],
    [2, "usage or configuration error (CONFIG_MISSING, CONFIG_INVALID): nothing was started"],
  ],
} as const;

const OPTIONS = {
  config: { ...CONFIG_OPTION, defaultText: "ETL_CONFIG, else <repo>/credentials.cfg" },
  port: {
    type: "string",
    value: "N",
    default: "0",
    description: "TCP port of the server on 127.0.0.1; 0 picks a free one",
  },
} as const;

// Lines the server and its kernels print at every start that say nothing to the user: Python's
// debugger note about frozen modules, and Deno's note that its Jupyter kernel is unstable.
const NOISE = [/^\d+\.\d+s - /, /"deno jupyter" is unstable/];

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, OPTIONS);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return usageError(`--port must be a port from 0 to 65535, got "${values.port}"`, HELP, OPTIONS);
  }
  const say = (line: string) => console.log(line);
  let server: Awaited<ReturnType<typeof startJupyterServer>> | undefined;
  using stops = createStopRequests({
    onStop: (signal) => {
      say(`jupyter:stopping on ${signal}: shutting the server and its kernels down`);
      void server?.stop();
    },
    onLeave: (why) => {
      console.error(`jupyter:killed on ${why}: leaving without waiting for the server`);
      Deno.exit(1);
    },
  });
  try {
    // The kernels resolve their targets themselves: --config reaches them as ETL_CONFIG.
    const configPath = values.config === undefined ? undefined : resolve(values.config);
    await ensureDenoKernel(say);
    const data = await prepareNotebookData({
      ...(configPath ? { configPath, configNamedBy: "--config" } : {}),
      log: say,
      progress: createProgress({ mode: Deno.stderr.isTerminal() ? "live" : "plain" }),
      signal: stops.stop,
    });
    if (stops.stop.aborted) {
      say("jupyter:stopped before the server started");
      return 0;
    }
    if (data.loaded?.status === "failed") return 1;
    server = await startJupyterServer({
      notebookDir: `${REPO_ROOT}notebooks`,
      port,
      env: configPath ? { ETL_CONFIG: configPath } : {},
      log: (line) => {
        if (!NOISE.some((pattern) => pattern.test(line))) console.error(line);
      },
    });
    if (stops.stop.aborted) void server.stop();
    say(`jupyter:ready ${server.url}`);
    say(
      `jupyter:notebooks ${REPO_ROOT}notebooks, reading ${data.source} and ${data.connectUrl}` +
        ` (${data.mode}); open 01_scope_and_gather.ipynb first`,
    );
    say(
      "jupyter:stop Ctrl-C stops the server and its kernels" +
        (data.mode === "embedded"
          ? "; the embedded PostgreSQL keeps running (deno task db:stop stops it)"
          : ""),
    );
    const code = await server.exited;
    if (stops.stop.aborted) {
      say("jupyter:stopped");
      return 0;
    }
    console.error(`jupyter:failed the server ended by itself with exit code ${code}`);
    return 1;
  } catch (error) {
    if (stops.stop.aborted) {
      say("jupyter:stopped");
      return 0;
    }
    console.error(failureLine("jupyter:failed", error));
    await server?.stop();
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
