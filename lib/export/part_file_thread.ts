// Owns the Worker that frames the interactions' row groups and writes their Parquet part files.
/**
 * @example Two row groups written as one file on the Worker's thread
 * ```ts
 * import assert from "node:assert/strict";
 * import { ColumnBatch } from "./column_batch.ts";
 * import { PartFileThread } from "./part_file_thread.ts";
 * const root = await Deno.makeTempDir();
 * const batch = new ColumnBatch([{ name: "user_id", type: "int4", nullable: false }], 2);
 * const thread = new PartFileThread({ groupsPerFile: 2 });
 * try {
 *   for (const users of [[1, 1], [2, 3]]) {
 *     users.forEach((user, i) => batch.values[0]![i] = user);
 *     await thread.addGroup(batch, 2);
 *   }
 *   const file = await thread.writeFile(root, "interactions/part-00000.parquet");
 *   assert.deepEqual([file.rows, file.firstUserId, file.lastUserId], [4, 1, 3]);
 * } finally {
 *   await thread.close();
 *   await Deno.remove(root, { recursive: true });
 * }
 * ```
 */
import type { ColumnBatch } from "./column_batch.ts";
import type { PartFile } from "./interaction_parts.ts";
import type { FileMessage, GroupMessage, WorkerReply } from "./part_file_worker.ts";

/** Options of {@link PartFileThread}. */
export interface PartFileThreadOptions {
  /** Row groups per file at most (the Worker's collections follow it); default 4. */
  groupsPerFile?: number;
  /**
   * Row groups handed over and not yet made frames by the Worker at most, before
   * {@link PartFileThread.addGroup} waits; default 1. Each holds its rows' arrays (about 5.8 MB at
   * 262,144 rows): the bound on what the main thread runs ahead of the Parquet writing.
   */
  groupsAhead?: number;
}

type Columns = GroupMessage["values"];
type Nulls = GroupMessage["nulls"];

// A request the Worker has not answered yet: `settle` with its reply, `reject` on a failure.
interface Pending {
  settle(reply: WorkerReply): void;
  reject(error: unknown): void;
}

/**
 * Hands row groups to a Worker (`part_file_worker.ts`), which makes each a polars frame and writes
 * a file's frames as Parquet when asked, while this thread goes on: the batch's arrays are moved to
 * the Worker (and moved back once framed, to be filled again), so that nothing is copied. Replies come in the order of the requests. {@link close} must be
 * called on every path: it lets the Worker finish what it is doing (a file being written), skips
 * what is still queued and ends the Worker.
 */
export class PartFileThread {
  readonly #worker: Worker;
  readonly #groupsPerFile: number;
  readonly #groupsAhead: number;
  // Every request not answered yet, in order: the Worker answers each, in the order received.
  readonly #outstanding: Pending[] = [];
  readonly #stop = new Int32Array(new SharedArrayBuffer(4));
  readonly #spare: { values: Columns; nulls: Nulls }[] = [];
  readonly #framing: Promise<WorkerReply>[] = [];
  #failure: unknown;
  #dead = false;
  #drained: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: PartFileThreadOptions = {}) {
    this.#groupsPerFile = options.groupsPerFile ?? 4;
    this.#groupsAhead = Math.max(1, options.groupsAhead ?? 1);
    this.#worker = new Worker(new URL("./part_file_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      this.#outstanding.shift()?.settle(event.data);
      if (this.#outstanding.length === 0) this.#drained?.();
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      // An error the Worker did not catch (its module failed to load): it answers nothing more.
      event.preventDefault();
      this.#dead = true;
      this.#fail(new Error(`Cannot write the interactions' Parquet files: ${event.message}`));
      this.#outstanding.splice(0);
      this.#drained?.();
    };
    this.#worker.postMessage({ type: "stop-flag", stop: this.#stop });
  }

  /**
   * Hands rows `0 .. end` of the batch to the Worker as a row group of the file being filled: the
   * batch's arrays are moved to the Worker and replaced by others (rows `end .. batch.length`
   * kept in place), so the batch can be refilled at once; a caller must read `batch.values` again
   * afterwards. Waits first while {@link PartFileThreadOptions.groupsAhead} groups are not yet
   * framed.
   *
   * @throws {Error} When the Worker failed (a file could not be written).
   */
  async addGroup(batch: ColumnBatch, end: number): Promise<void> {
    while (this.#framing.length >= this.#groupsAhead) {
      this.#recycle(await this.#framing.shift()!);
    }
    this.#throwIfFailed();
    // The batch's arrays go to the Worker as they are, and the batch gets spare ones (those of a
    // group already framed), with its rows after `end` copied to the same places.
    const spare = this.#spare.pop();
    const values = batch.values.slice();
    const nulls = batch.nulls.slice();
    values.forEach((array, c) => {
      const into = spare?.values[c] ??
        new (array.constructor as Int32ArrayConstructor)(array.length);
      into.set(array.subarray(end, batch.length), end);
      batch.values[c] = into;
    });
    nulls.forEach((flags, c) => {
      if (flags === undefined) return;
      const into = spare?.nulls[c] ?? new Uint8Array(flags.length);
      into.set(flags.subarray(end, batch.length), end);
      batch.nulls[c] = into;
    });
    const message: GroupMessage = {
      type: "group",
      columns: batch.columns,
      length: end,
      groupsPerFile: this.#groupsPerFile,
      values,
      nulls,
    };
    const buffers = [...values, ...nulls].filter((array) => array !== undefined)
      .map((array) => array.buffer as ArrayBuffer);
    this.#framing.push(this.#request(message, buffers));
  }

  /**
   * Writes the groups handed over since the last file as `root/path`.
   *
   * @returns The file, once written and hashed.
   * @throws {Error} When the Worker failed.
   */
  async writeFile(root: string, path: string): Promise<PartFile> {
    this.#throwIfFailed();
    const message: FileMessage = { type: "file", root, path };
    const reply = await this.#request(message, []);
    if (reply.type !== "file") {
      throw new Error(`Cannot write ${path}: the Worker answered ${reply.type}`);
    }
    return reply.file;
  }

  /**
   * Ends the Worker: what it is doing is finished first (so that no file is being written once
   * this resolves), what is still queued is skipped. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      Atomics.store(this.#stop, 0, 1);
      if (this.#outstanding.length > 0 && !this.#dead) {
        await new Promise<void>((resolve) => this.#drained = resolve);
      }
      this.#worker.terminate();
    })();
    return this.#closed;
  }

  #request(message: GroupMessage | FileMessage, transfer: Transferable[]): Promise<WorkerReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const reply = new Promise<WorkerReply>((resolve, reject) => {
      this.#outstanding.push({
        settle: (answer) => {
          if (answer.type === "failed") {
            const error = new Error(answer.message);
            if (answer.stack) error.stack = answer.stack;
            this.#fail(error);
            reject(error);
          } else if (answer.type === "skipped") {
            reject(this.#failure ?? new Error("Cannot write the interactions: the export stopped"));
          } else {
            resolve(answer);
          }
        },
        reject,
      });
    });
    this.#worker.postMessage(message, transfer);
    // A group's reply may be awaited by nobody (after a failure, or a stop): never unhandled.
    reply.catch(() => {});
    return reply;
  }

  #recycle(reply: WorkerReply) {
    if (reply.type === "framed") this.#spare.push({ values: reply.values, nulls: reply.nulls });
  }

  #throwIfFailed() {
    if (this.#failure !== undefined) throw this.#failure;
  }

  // Every request not answered yet fails with the first failure; their entries stay, so that the
  // Worker's later answers still line up (a settled promise ignores them).
  #fail(error: unknown) {
    this.#failure ??= error;
    for (const pending of this.#outstanding) pending.reject(this.#failure);
  }
}
