// Owns running a project task as Ctrl-C, systemd and `timeout` see it: in a process group of its own,
// signalled as a group, with its output read line by line.
import { projectPath } from "./project_script.ts";

/** A command running in a process group of its own, its output read line by line. */
export interface TaskGroup {
  process: Deno.ChildProcess;
  stdout: string[];
  stderr: string[];
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal to every process of the group, as systemd, Ctrl-C and `timeout` do. */
  signal(signal: Deno.Signal): void;
}

/**
 * `deno task NAME ARGS` in a process group of its own (setsid), with the project's deno.json and a
 * minimal environment, reading stdout and stderr line by line.
 */
export function spawnTaskGroup(
  task: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): TaskGroup {
  const process = new Deno.Command("setsid", {
    args: [Deno.execPath(), "task", "--quiet", "--config", projectPath("deno.json"), task, ...args],
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/root",
      NO_COLOR: "1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const wakers: (() => void)[] = [];
  const read = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    let buffer = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      into.push(...parts);
      for (const wake of wakers.splice(0)) wake();
    }
  };
  void read(process.stdout, lines.stdout);
  void read(process.stderr, lines.stderr);
  return {
    process,
    ...lines,
    async waitFor(stream, pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const found = lines[stream].find((line) => pattern.test(line));
        if (found !== undefined) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `Timed out waiting for ${pattern}; stdout:\n${lines.stdout.join("\n")}\nstderr:\n${
              lines.stderr.join("\n")
            }`,
          );
        }
        // Woken by a new line or after 200 ms, whichever comes first; the timer is cleared either
        // way, or a test that ends within 200 ms of a line would leave it pending (the sanitizer
        // reports it as a leak; it did on a quick host).
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wakers.push(resolve);
          timer = setTimeout(resolve, 200);
        });
        clearTimeout(timer);
      }
    },
    signal(signal) {
      // setsid made the child the leader of a new group: its pid is the group id.
      Deno.kill(-process.pid, signal);
    },
  };
}

/** Kills every process of the group and waits for the command to end. */
export async function stopGroup(group: TaskGroup) {
  try {
    group.signal("SIGKILL");
  } catch {
    // already gone
  }
  await group.process.status;
}
