// Owns "readers come first" for a run's CPU and I/O: the run's process, its own PostgreSQL
// backends and the parallel workers serving them run at a higher nice value than the analysts'.
/**
 * @example Lower a run's work for as long as it holds its sessions
 * ```ts ignore
 * import { lowerRunPriority } from "./run_priority.ts";
 * await using priority = await lowerRunPriority({ nice: 10, sessions: [load], poll: log });
 * console.log(describePriority(priority.report));
 * ```
 */
import type { Sql } from "postgres";
import { sqlText } from "./sql_files.ts";
import {
  autogroupsEnabled,
  bootTimeSeconds,
  IO_CLASS,
  isSameProcess,
  lowerIoPriority,
  ownThreads,
  raiseAutogroupNice,
  raiseNice,
  readProcStat,
} from "./process_priority.ts";

/** What lowering a run's priority did. */
export interface PriorityReport {
  /** The nice value asked for; 0 when lowering is turned off. */
  nice: number;
  /** Threads of this process now at `nice` or above. */
  processThreads: number;
  /** The run's own backends lowered (its sessions' `pg_backend_pid()`). */
  backends: number;
  /** Parallel workers of those backends' statements lowered while the run worked. */
  workers: number;
  /**
   * Of the backends and workers, those whose own scheduling group (`sched_autogroup`) was lowered
   * too; 0 when the kernel does not group by session.
   */
  groups: number;
  /** Processes put in the last best-effort I/O level, or why not. */
  io: number | string;
  /** Why something was left alone: a remote server, another user's processes. */
  notes: string[];
}

/** Options of {@link lowerRunPriority}. */
export interface RunPriorityOptions {
  /** Nice value, 1 to 19; 0 leaves everything as it is. */
  nice: number;
  /** The run's sessions whose backends do its work (the load's, the run lock's). */
  sessions: Sql[];
  /** A client to look for those backends' parallel workers with. */
  poll: Sql;
  /** Milliseconds between two looks for parallel workers; default 200. */
  pollMs?: number;
  /**
   * Lower this process too; default true. False for a process that serves other work and must
   * keep its priority (a test runner).
   */
  ownProcess?: boolean;
}

/** The lowered priority of a run; disposing of it stops the look for parallel workers. */
export interface RunPriority extends AsyncDisposable {
  readonly report: PriorityReport;
  /** Pids of the run's own backends that were lowered. */
  readonly backendPids: readonly number[];
}

interface Backend {
  pid: number;
  started: number;
}

/**
 * Raises the nice value of this process (every thread), of each session's backend and, every
 * `pollMs` until disposed of, of the parallel workers serving them (`pg_stat_activity.leader_pid`),
 * and puts them in the last best-effort I/O level. The nice value is only ever raised, which needs
 * no privilege for one's own processes. A backend is touched only when it is visibly on this
 * machine: its pid is in /proc and started when PostgreSQL says it did; otherwise (a remote
 * server, another pid namespace) the report says why, and nothing fails. This process stays at
 * the nice value after the run: nobody may lower it again without privileges.
 *
 * @returns The lowering, with its report; never throws for what the OS refuses.
 */
export async function lowerRunPriority(options: RunPriorityOptions): Promise<RunPriority> {
  const report: PriorityReport = {
    nice: options.nice,
    processThreads: 0,
    backends: 0,
    workers: 0,
    groups: 0,
    io: 0,
    notes: [],
  };
  if (options.nice <= 0) {
    return { report, backendPids: [], [Symbol.asyncDispose]: () => Promise.resolve() };
  }
  const nice = options.nice;
  const note = (text: string) => {
    if (!report.notes.includes(text)) report.notes.push(text);
  };
  if (!hasProc()) {
    note("this system has no /proc: every priority left as it is");
    return { report, backendPids: [], [Symbol.asyncDispose]: () => Promise.resolve() };
  }
  const lowered: number[] = [];
  const io = async (pids: number[]) => {
    const result = await lowerIoPriority(pids);
    if (typeof result === "string") report.io = result;
    else if (typeof report.io === "number") report.io += result;
  };
  if (options.ownProcess !== false) {
    // Linux keeps a nice value per thread: every thread of the process, and those it starts later
    // inherit it.
    for (const tid of ownThreads()) {
      try {
        if (raiseNice(tid, nice) >= nice) report.processThreads++;
      } catch (error) {
        // A thread that ended meanwhile is no loss; anything else is worth saying.
        if (!/ESRCH/.test(String(error))) note(`this process: ${reason(error)}`);
      }
    }
    await io(ownThreads());
  }
  const boot = bootTimeSeconds();
  const autogroups = autogroupsEnabled();
  // Only a process that is visibly the backend (same pid, same start) is touched.
  const lower = (backend: Backend, what: string): boolean => {
    const stat = readProcStat(backend.pid);
    if (stat === undefined || !isSameProcess(stat, boot, backend.started)) {
      note(
        `${what}: not on this machine (no process ${backend.pid} started at its backend_start; ` +
          "a remote server?), left at the server's priority",
      );
      return false;
    }
    try {
      if (raiseNice(backend.pid, nice) < nice) return false;
      // A session leader's scheduling group is its own: without raising it, the nice value would
      // only count against processes of the same session, and a backend has none.
      if (autogroups && stat.session === backend.pid) {
        const group = raiseAutogroupNice(backend.pid, nice);
        if (group !== undefined && group >= nice) report.groups++;
      }
      return true;
    } catch (error) {
      if (/ESRCH/.test(String(error))) return false;
      note(`${what}: ${reason(error)}`);
      return false;
    }
  };
  const ownSql = await sqlText("priority/own_backend");
  for (const session of options.sessions) {
    const [backend] = await session.unsafe<Backend[]>(ownSql);
    if (backend && lower(backend, "backends")) {
      lowered.push(backend.pid);
      report.backends++;
    }
  }
  await io(lowered);
  const stopped = Promise.withResolvers<void>();
  let stopping = false;
  const poll = async () => {
    const workersSql = await sqlText("priority/parallel_workers");
    const seen = new Set<number>();
    while (!stopping) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise((resolve) => timer = setTimeout(resolve, options.pollMs ?? 200)),
        stopped.promise,
      ]);
      clearTimeout(timer);
      if (stopping) return;
      let workers: Backend[];
      try {
        workers = await options.poll.unsafe<Backend[]>(workersSql, [lowered]);
      } catch {
        // The run's connections failed: the run stops on its own, and there is nothing to lower.
        return;
      }
      const fresh = workers.filter((worker) => !seen.has(worker.pid));
      const done: number[] = [];
      for (const worker of fresh) {
        seen.add(worker.pid);
        if (lower(worker, "parallel workers")) {
          report.workers++;
          done.push(worker.pid);
        }
      }
      if (done.length > 0) await io(done);
    }
  };
  const polling = lowered.length > 0 ? poll() : Promise.resolve();
  return {
    report,
    backendPids: lowered,
    async [Symbol.asyncDispose]() {
      stopping = true;
      stopped.resolve();
      await polling;
    },
  };
}

/**
 * The report in one line, for the run's log and summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describePriority } from "./run_priority.ts";
 * assert.equal(
 *   describePriority({
 *     nice: 10, processThreads: 6, backends: 2, workers: 3, groups: 5, io: 11, notes: [],
 *   }),
 *   "process, 2 backends and 3 parallel workers at nice 10, their 5 autogroups too, I/O best-effort 7",
 * );
 * assert.equal(
 *   describePriority({
 *     nice: 0, processThreads: 0, backends: 0, workers: 0, groups: 0, io: 0, notes: [],
 *   }),
 *   "off ([ETL] PRIORITY = off): the run competes with readers as an equal",
 * );
 * ```
 */
export function describePriority(report: PriorityReport): string {
  if (report.nice <= 0) {
    return "off ([ETL] PRIORITY = off): the run competes with readers as an equal";
  }
  const parts = [
    ...(report.processThreads > 0 ? ["process"] : []),
    `${report.backends} backend${report.backends === 1 ? "" : "s"}`,
    `${report.workers} parallel worker${report.workers === 1 ? "" : "s"}`,
  ];
  const joined = parts.length > 1
    ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`
    : parts[0]!;
  // Each backend leads a session, so its scheduling group is its own (lib/db/process_priority.ts).
  const groups = report.groups > 0
    ? `, their ${report.groups} autogroup${report.groups === 1 ? "" : "s"} too`
    : "";
  const io = typeof report.io === "number"
    ? `, I/O ${IO_CLASS.name} ${IO_CLASS.level}`
    : ` (I/O priority unchanged: ${report.io})`;
  const notes = report.notes.length > 0 ? `; ${report.notes.join("; ")}` : "";
  return `${joined} at nice ${report.nice}${groups}${io}${notes}`;
}

function hasProc(): boolean {
  try {
    return Deno.statSync("/proc/self/task").isDirectory && Deno.statSync("/proc/stat").isFile;
  } catch {
    return false;
  }
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/EPERM|EACCES/.test(text)) return "not permitted to raise its nice value (another user's)";
  return text;
}
