// Owns a classic Jupyter Notebook server for the notebooks: started on 127.0.0.1 with a token, stopped cleanly.
/**
 * @example Serve notebooks/ until told to stop
 * ```ts ignore
 * import { startJupyterServer } from "./jupyter_server.ts";
 * const server = await startJupyterServer({ notebookDir: "notebooks" });
 * console.log(server.url);
 * await server.stop();
 * ```
 */

/** Options of {@link startJupyterServer}. */
export interface JupyterServerOptions {
  /** The server's root folder. */
  notebookDir: string;
  /** TCP port on 127.0.0.1; default 0, a port free right now. */
  port?: number;
  /** Access token; default 24 random bytes as hex. */
  token?: string;
  /** Variables added to the environment of the server and its kernels. */
  env?: Record<string, string>;
  /** Seconds to wait for the server to answer; default 60. */
  readyTimeoutSeconds?: number;
  /** Receives the server's own warnings and errors, line by line; default stderr. */
  log?: (line: string) => void;
}

/** A running server. */
export interface JupyterServer {
  /** The URL to open, token included: `http://127.0.0.1:PORT/tree?token=…`. */
  url: string;
  port: number;
  token: string;
  /** Resolves when the server process has ended, with its exit code. */
  exited: Promise<number>;
  /**
   * Asks the server to stop (SIGTERM: it shuts its kernels down) and waits for it, killing it after
   * `graceSeconds` (default 15).
   *
   * @returns The server's exit code.
   */
  stop(graceSeconds?: number): Promise<number>;
}

const INSTALL_HINT = "install it (Debian: apt-get install jupyter-notebook) and run deno jupyter " +
  "--install to register the Deno kernel";

/**
 * Starts `jupyter-notebook` (classic Notebook 6) on 127.0.0.1 without opening a browser, with
 * `notebookDir` as its root, a token and no password, and waits until its API answers. It runs in a
 * session of its own with its standard input closed, so no terminal signal or prompt reaches it:
 * {@link JupyterServer.stop} stops it, and it then shuts its kernels (one per open notebook, which
 * inherit `env`) down.
 *
 * @returns The running server.
 * @throws {Error} When `jupyter-notebook` is not installed (saying how to install it), when the port
 *   is taken, or when the server ends or does not answer within `readyTimeoutSeconds`, with its
 *   output.
 */
export async function startJupyterServer(options: JupyterServerOptions): Promise<JupyterServer> {
  const port = options.port || freePort();
  const token = options.token ?? randomToken();
  const log = options.log ?? ((line: string) => console.error(line));
  await checkInstalled();
  // A session of its own: the server hears only the one SIGTERM stop() sends. Ctrl-C reaches the
  // whole foreground group, and a second signal while it shuts its kernels down breaks that
  // shutdown ("Event loop stopped before Future completed"), leaving them running.
  const child = new Deno.Command("setsid", {
    args: [
      "jupyter-notebook",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--notebook-dir=${options.notebookDir}`,
      `--NotebookApp.token=${token}`,
      "--NotebookApp.password=",
      "--NotebookApp.log_level=WARN",
      // Notebook refuses to run as root without it; CI and containers run as root.
      ...(Deno.uid() === 0 ? ["--allow-root"] : []),
    ],
    env: options.env ?? {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const forward = async (stream: ReadableStream<Uint8Array>) => {
    let buffered = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        output.push(line);
        if (output.length > 200) output.shift();
        log(line);
      }
    }
  };
  const streams = Promise.all([forward(child.stdout), forward(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await streams.catch(() => {});
    return status.code;
  });
  let ended = false;
  void exited.then(() => ended = true);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutSeconds ?? 60) * 1000;
  while (!(await answers(base, token))) {
    if (ended || Date.now() > deadline) {
      if (!ended) child.kill("SIGKILL");
      const code = await exited;
      throw new Error(
        `Cannot start Jupyter Notebook on 127.0.0.1:${port}: ` +
          (ended ? `it exited with code ${code}` : "it did not answer in time") +
          `:\n${output.slice(-20).join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: `${base}/tree?token=${token}`,
    port,
    token,
    exited,
    async stop(graceSeconds = 15) {
      if (!ended) {
        try {
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }, graceSeconds * 1000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function checkInstalled(): Promise<void> {
  try {
    const version = await new Deno.Command("jupyter-notebook", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (version.success) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  throw new Error(
    `Cannot start Jupyter Notebook: jupyter-notebook is not installed; ${INSTALL_HINT}`,
  );
}

async function answers(base: string, token: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/api/status`, {
      headers: { Authorization: `token ${token}` },
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Registers the Deno kernel with Jupyter (`deno jupyter --install`) unless `jupyter kernelspec list`
 * already has one named `deno`.
 *
 * @param log Told when the kernel had to be registered.
 * @returns True when it was registered now, false when it already was.
 * @throws {Error} When `jupyter` is not installed, saying how to install it, or registering fails.
 */
export async function ensureDenoKernel(log: (line: string) => void): Promise<boolean> {
  let listed: Deno.CommandOutput;
  try {
    listed = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot find the jupyter command: ${INSTALL_HINT}`);
    }
    throw error;
  }
  const specs = listed.success
    ? (JSON.parse(new TextDecoder().decode(listed.stdout)) as { kernelspecs?: object }).kernelspecs
    : undefined;
  if (specs !== undefined && "deno" in specs) return false;
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--install"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!install.success) {
    throw new Error(
      `Cannot register the Deno kernel (deno jupyter --install): ${
        new TextDecoder().decode(install.stderr).trim()
      }`,
    );
  }
  log("jupyter:kernel registered the Deno kernel (deno jupyter --install)");
  return true;
}
