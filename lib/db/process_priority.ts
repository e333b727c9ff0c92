// Owns the operating system's side of yielding to readers: a process's nice value and start time
// from /proc, raising a process's or thread's nice value, and its I/O priority through ionice.
/**
 * @example Read a process's nice value
 * ```ts
 * import assert from "node:assert/strict";
 * import { readProcStat } from "./process_priority.ts";
 * assert.equal(readProcStat(Deno.pid)?.pid, Deno.pid);
 * ```
 */
import { getPriority, setPriority } from "node:os";

/** What /proc/<pid>/stat says about a process (or thread). */
export interface ProcStat {
  pid: number;
  /** The command name, as the kernel keeps it (15 characters at most). */
  comm: string;
  /** Nice value, -20 (first) to 19 (last). */
  nice: number;
  /** Its session's id: its own pid when it leads its session (a PostgreSQL backend does). */
  session: number;
  /** When it started, in clock ticks after boot. */
  startTicks: number;
}

/**
 * Clock ticks per second of /proc's times (`USER_HZ`): 100 on every Linux architecture the
 * pipeline runs on (`getconf CLK_TCK`).
 */
export const CLOCK_TICKS = 100;

/**
 * Parses the text of /proc/<pid>/stat. The command name sits between the first "(" and the last
 * ")" and may itself hold spaces and parentheses, so the fields are counted from the last ")".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProcStat } from "./process_priority.ts";
 * const text = "42 (postgres: a) b) S 1 42 42 0 -1 4194304 9 0 0 0 1 2 0 0 20 10 1 0 7300 1 2";
 * assert.deepEqual(parseProcStat(text), {
 *   pid: 42, comm: "postgres: a) b", nice: 10, session: 42, startTicks: 7300,
 * });
 * ```
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  // After the name: field 3 (state) is at index 0, so field n is at index n - 3.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const nice = Number(fields[19 - 3]);
  const session = Number(fields[6 - 3]);
  const startTicks = Number(fields[22 - 3]);
  if (![nice, session, startTicks].every(Number.isInteger)) {
    throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  }
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    nice,
    session,
    startTicks,
  };
}

/** /proc/<pid>/stat of a process on this machine, or undefined when there is none by that pid. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** When this machine booted, in seconds since the epoch (`btime` of /proc/stat). */
export function bootTimeSeconds(): number {
  const line = /^btime (\d+)$/m.exec(Deno.readTextFileSync("/proc/stat"));
  if (!line) throw new Error("/proc/stat has no btime line");
  return Number(line[1]);
}

/**
 * Whether a process seen in /proc is the one PostgreSQL reports: the same pid alone proves
 * nothing (a remote server's backend may share its number with a local process), so its start
 * time must also match `backend_start`, within `toleranceSeconds` (/proc counts in ticks and
 * `btime` in whole seconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSameProcess } from "./process_priority.ts";
 * const stat = { pid: 7, comm: "postgres", nice: 0, session: 7, startTicks: 12_345 };
 * assert.ok(isSameProcess(stat, 1_000_000, 1_000_123.9));
 * assert.ok(!isSameProcess(stat, 1_000_000, 1_000_200));
 * ```
 */
export function isSameProcess(
  stat: ProcStat,
  bootSeconds: number,
  backendStartSeconds: number,
  toleranceSeconds = 2,
): boolean {
  const started = bootSeconds + stat.startTicks / CLOCK_TICKS;
  return Math.abs(started - backendStartSeconds) <= toleranceSeconds;
}

/**
 * Raises a process's (or one thread's) nice value to `nice`, never lowering it: a value already at
 * or above `nice` is left as it is (lowering it would take privileges, and would put the process
 * ahead of others).
 *
 * @returns The nice value it has now.
 * @throws The system error (`EPERM`: the process belongs to another user; `ESRCH`: it is gone).
 */
export function raiseNice(pid: number, nice: number): number {
  const current = getPriority(pid);
  if (current >= nice) return current;
  setPriority(pid, nice);
  return getPriority(pid);
}

/**
 * Parses /proc/<pid>/autogroup, e.g. `/autogroup-2575 nice 0`: the group's nice value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAutogroup } from "./process_priority.ts";
 * assert.equal(parseAutogroup("/autogroup-257347 nice 0\n"), 0);
 * assert.equal(parseAutogroup("/autogroup-9 nice 10"), 10);
 * ```
 */
export function parseAutogroup(text: string): number {
  const nice = /^\/autogroup-\d+ nice (-?\d+)\s*$/.exec(text)?.[1];
  if (nice === undefined) throw new Error(`not an autogroup line: ${text.slice(0, 80)}`);
  return Number(nice);
}

/**
 * Raises the nice value of a session leader's scheduling group (Linux's `sched_autogroup`, on by
 * default in most kernels): the CPU is shared between these groups first, and by nice value only
 * within a group. Every PostgreSQL backend and parallel worker leads a session of its own
 * (PostgreSQL calls `setsid()` for each child), so its group holds only itself and its own nice
 * value alone changes nothing against other backends: the group's must be raised. Never lowers it.
 *
 * @returns The group's nice value now, or undefined when the kernel has no autogroups.
 * @throws The system error (`EACCES`/`EPERM`: another user's process).
 */
export function raiseAutogroupNice(pid: number, nice: number): number | undefined {
  const path = `/proc/${pid}/autogroup`;
  let current: number;
  try {
    current = parseAutogroup(Deno.readTextFileSync(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (current >= nice) return current;
  Deno.writeTextFileSync(path, String(nice));
  return parseAutogroup(Deno.readTextFileSync(path));
}

/** Whether the kernel shares the CPU between session groups first (`sched_autogroup_enabled`). */
export function autogroupsEnabled(): boolean {
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/sched_autogroup_enabled").trim() === "1";
  } catch {
    return false;
  }
}

/** The ids of every thread of this process (each has its own nice value on Linux). */
export function ownThreads(): number[] {
  return [...Deno.readDirSync("/proc/self/task")].map((entry) => Number(entry.name))
    .filter(Number.isInteger);
}

/** I/O priority the pipeline's work takes: best-effort, level 7 (the last of that class). */
export const IO_CLASS = { name: "best-effort", class: 2, level: 7 } as const;

/**
 * Puts processes (or threads) in the last level of the best-effort I/O class with `ionice`, except
 * those already in the idle class (that would raise them). Only the BFQ disk scheduler orders
 * requests by it; `none` and `mq-deadline` disks ignore the level.
 *
 * @returns How many were set, or why none could be (no `ionice`, or its error).
 */
export async function lowerIoPriority(pids: number[]): Promise<number | string> {
  if (pids.length === 0) return 0;
  const current = await ionice(["-p", ...pids.map(String)]);
  if (!current.ok) return current.reason;
  // One line per pid, in order: `none: prio 0`, `best-effort: prio 4`, `idle`.
  const lines = current.text.trim().split("\n");
  const targets = pids.filter((_, index) => !(lines[index] ?? "").startsWith("idle"));
  if (targets.length === 0) return 0;
  const set = await ionice([
    "-c",
    String(IO_CLASS.class),
    "-n",
    String(IO_CLASS.level),
    "-p",
    ...targets.map(String),
  ]);
  return set.ok ? targets.length : set.reason;
}

type IoniceResult = { ok: true; text: string } | { ok: false; reason: string };

async function ionice(args: string[]): Promise<IoniceResult> {
  try {
    const output = await new Deno.Command("ionice", { args, stdout: "piped", stderr: "piped" })
      .output();
    if (output.success) return { ok: true, text: new TextDecoder().decode(output.stdout) };
    const reason = new TextDecoder().decode(output.stderr).trim();
    return { ok: false, reason: `ionice failed: ${reason || `exit code ${output.code}`}` };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { ok: false, reason: "ionice is not installed" };
    }
    return {
      ok: false,
      reason: `ionice failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
