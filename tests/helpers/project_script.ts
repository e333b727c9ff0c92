// Owns running the project's commands as subprocesses the way `deno task` does: the project's
// deno.json, a chosen working folder and a minimal environment (no developer settings leak in).
const ROOT = new URL("../../", import.meta.url).pathname;

/** Where and with what extra environment a command runs. */
export interface ScriptOptions {
  cwd: string;
  env?: Record<string, string>;
}

/** A finished command's exit code and decoded output. */
export interface ScriptOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `deno ARGS` with the project's config, from `cwd`, with only PATH, HOME, NO_COLOR and `env`. */
export function denoCommand(args: string[], options: ScriptOptions): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/root",
      NO_COLOR: "1",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
  });
}

/** Arguments of `deno run` for a project script such as `lib/cli/etl.ts`. */
export function runArgs(script: string, args: string[]): string[] {
  return ["run", "--allow-all", "--config", `${ROOT}deno.json`, `${ROOT}${script}`, ...args];
}

/** Runs `deno ARGS` to completion. */
export async function runDeno(args: string[], options: ScriptOptions): Promise<ScriptOutcome> {
  const { code, stdout, stderr } = await denoCommand(args, options).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Runs a project script, e.g. `runScript("lib/cli/etl.ts", ["--quiet"], { cwd })`. */
export function runScript(
  script: string,
  args: string[],
  options: ScriptOptions,
): Promise<ScriptOutcome> {
  return runDeno(runArgs(script, args), options);
}

/** Starts a project script without waiting for it. */
export function spawnScript(
  script: string,
  args: string[],
  options: ScriptOptions,
): Deno.ChildProcess {
  return denoCommand(runArgs(script, args), options).spawn();
}

/** Absolute path of a file in the project. */
export function projectPath(path: string): string {
  return `${ROOT}${path}`;
}

/** A project script running in the background; `await using` kills it if it is still running. */
export interface RunningScript extends AsyncDisposable {
  readonly pid: number;
  /** Resolves when the process has exited and both pipes are drained. */
  readonly finished: Promise<ScriptOutcome>;
  /** True once the process has exited. */
  exited(): boolean;
}

/**
 * Starts a project script and drains its output while it runs (a full pipe would stall it).
 * Disposing it sends SIGKILL to a process still running and waits for it, so no test leaves a
 * child or an open pipe behind.
 */
export function startScript(
  script: string,
  args: string[],
  options: ScriptOptions,
): RunningScript {
  const child = spawnScript(script, args, options);
  let hasExited = false;
  const status = child.status.then((status) => {
    hasExited = true;
    return status;
  });
  const finished = Promise.all([status, readAll(child.stdout), readAll(child.stderr)]).then(
    ([{ code }, stdout, stderr]) => ({ code, stdout, stderr }),
  );
  return {
    pid: child.pid,
    finished,
    exited: () => hasExited,
    async [Symbol.asyncDispose]() {
      if (!hasExited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // it exited since the check
        }
      }
      await finished;
    },
  };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}
