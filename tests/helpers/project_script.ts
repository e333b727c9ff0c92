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
