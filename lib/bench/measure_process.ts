// Owns running a command while sampling its peak memory (VmHWM) and wall time.
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
  /** Largest resident set size the process reached, in bytes (Linux VmHWM). */
  peakRssBytes: number;
}

/**
 * Runs a command to completion, reading `/proc/PID/status` every 50 ms for its high-water RSS.
 *
 * @param options `cwd` and extra `env` for the command.
 */
export async function measureProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
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
  const sample = async () => {
    try {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      const kilobytes = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peakRssBytes = Math.max(peakRssBytes, kilobytes * 1024);
    } catch {
      // The process has exited between two samples.
    }
  };
  const timer = setInterval(sample, 50);
  const output = await child.output();
  clearInterval(timer);
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    seconds: (performance.now() - started) / 1000,
    peakRssBytes,
  };
}
