// Owns running a command while sampling its peak memory (VmHWM, its own or its processes') and wall time.
/**
 * @example
 * ```ts ignore
 * import { measureProcess } from "./measure_process.ts";
 * const run = await measureProcess(Deno.execPath(), ["--version"]);
 * console.log(run.seconds, run.peakRssBytes);
 * ```
 */

/** What a measured command did. */
export interface MeasuredProcess {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall seconds from spawn to exit. */
  seconds: number;
  /**
   * Largest resident set size the process reached, in bytes (Linux VmHWM); with `tree`, the largest
   * any one process of its tree reached.
   */
  peakRssBytes: number;
  /** With `tree`: the command line of the process that reached `peakRssBytes`. */
  peakCommand?: string;
}

/**
 * Runs a command to completion, reading `/proc/PID/status` every 50 ms for its high-water RSS.
 *
 * @param options `cwd` and extra `env` for the command; `tree` also samples every process it
 *   starts, and their children (a notebook's kernel runs under nbconvert), keeping the largest.
 */
export async function measureProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; tree?: boolean } = {},
): Promise<MeasuredProcess> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
  }).spawn();
  let peakRssBytes = 0;
  let peakPid = child.pid;
  let peakCommand = "";
  let sampling = Promise.resolve();
  const sample = async () => {
    for (const pid of options.tree ? await processTree(child.pid) : [child.pid]) {
      try {
        const status = await Deno.readTextFile(`/proc/${pid}/status`);
        const bytes = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
        if (bytes > peakRssBytes) {
          peakRssBytes = bytes;
          if (options.tree && pid !== peakPid) {
            peakPid = pid;
            peakCommand = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0")
              .join(" ").trim();
          }
        }
      } catch {
        // The process has exited between two samples.
      }
    }
  };
  // One sample at a time: a walk of /proc can take longer than the interval.
  const timer = setInterval(() => {
    sampling = sampling.then(sample);
  }, 50);
  const output = await child.output();
  clearInterval(timer);
  await sampling;
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    seconds: (performance.now() - started) / 1000,
    peakRssBytes,
    ...(options.tree ? { peakCommand: peakCommand || `${command} ${args.join(" ")}` } : {}),
  };
}

/** `root` and every process descended from it, from the parent ids in `/proc/PID/stat`. */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      // The command name, in parentheses, may hold spaces: the fields after its last ")" do not.
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry.name), parent);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}
