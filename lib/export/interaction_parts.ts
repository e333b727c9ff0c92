// Owns cutting the interactions into part files: row groups of 2^18 rows, at most 4 per file, each
// file ending where a user's rows end, so that every user's rows are in one file.
/**
 * @example Three users in files of at most four rows
 * ```ts
 * import assert from "node:assert/strict";
 * import { InteractionParts } from "./interaction_parts.ts";
 * const root = await Deno.makeTempDir();
 * const parts = new InteractionParts(root, {
 *   columns: [{ name: "user_id", type: "int4", nullable: false }],
 *   rowsPerGroup: 2,
 *   groupsPerFile: 2,
 * });
 * try {
 *   for (const user of [1, 1, 1, 2, 2, 3]) {
 *     parts.batch.values[0]![parts.batch.length++] = user;
 *     if (parts.batch.length === parts.batch.capacity) await parts.batchFull();
 *   }
 *   const files = await parts.finish();
 *   assert.deepEqual(files.map((file) => [file.rows, file.firstUserId, file.lastUserId]), [
 *     [3, 1, 1],
 *     [3, 2, 3],
 *   ]);
 * } finally {
 *   await parts.close();
 *   await Deno.remove(root, { recursive: true });
 * }
 * ```
 */
import { ColumnBatch } from "./column_batch.ts";
import type { ExportColumn } from "./interaction_columns.ts";
import { releaseNativeMemory } from "../runtime/release_native_memory.ts";
import { PartFileThread } from "./part_file_thread.ts";
import { PARQUET_OPTIONS, type WrittenFile } from "./write_parquet_file.ts";

/** A written interactions file: the first and last user it holds, besides the file's facts. */
export interface PartFile extends WrittenFile {
  /** `user_id` of its first row; null for the empty file of an empty table. */
  firstUserId: number | null;
  lastUserId: number | null;
}

/** Options of {@link InteractionParts}. */
export interface InteractionPartsOptions {
  /** The file columns; the first is the user id the files are cut by. */
  columns: readonly ExportColumn[];
  /** Rows per row group and per batch; default {@link PARQUET_OPTIONS}.rowGroupSize (262,144). */
  rowsPerGroup?: number;
  /**
   * Row groups per file at most; default 4, so files of at most 1,048,576 rows. A file's frames
   * are held until it is written, and the memory of the one before is not all returned by then:
   * with 8 (2,097,152 rows) the 8M-row bench's export peaked at 267 MB of RSS in the interactions,
   * with 4 at 235 MB.
   */
  groupsPerFile?: number;
  /** Folder below the export's root; default `interactions`. */
  folder?: string;
  /** Called after each file is written. */
  onFile?: (file: PartFile) => void;
}

/**
 * Receives rows in key order through {@link InteractionParts.batch} and writes them as
 * `interactions/part-NNNNN.parquet`. The cut into files is made here; the row groups' frames and
 * the Parquet files are made on a Worker's thread ({@link PartFileThread}), while the caller fills
 * the batch again. Only the rows of the file being written are held, besides the batch and at most
 * two row groups handed over. {@link close} must be called on every path (it ends the Worker).
 */
export class InteractionParts {
  /** Where the decoder writes rows; call {@link batchFull} when it is full. */
  readonly batch: ColumnBatch;
  readonly #root: string;
  readonly #groupsPerFile: number;
  readonly #folder: string;
  readonly #onFile: (file: PartFile) => void;
  readonly #thread: PartFileThread;
  // Groups handed over for the file being filled, and the user of its last row.
  #groups = 0;
  #lastFramedUser: number | undefined;
  // The file being written on the Worker's thread, if any: one at a time, in order.
  #writing: Promise<void> = Promise.resolve();
  #fileCount = 0;
  readonly #files: PartFile[] = [];

  constructor(root: string, options: InteractionPartsOptions) {
    this.#root = root;
    this.batch = new ColumnBatch(
      options.columns,
      options.rowsPerGroup ?? PARQUET_OPTIONS.rowGroupSize,
    );
    this.#groupsPerFile = options.groupsPerFile ?? 4;
    this.#folder = options.folder ?? "interactions";
    this.#onFile = options.onFile ?? (() => {});
    this.#thread = new PartFileThread({ groupsPerFile: this.#groupsPerFile });
  }

  /**
   * Takes the full batch as a row group; when it is a file's last, cuts at its last user's start.
   * The batch can be refilled once this resolves (it waits while the Worker is behind).
   *
   * @throws {Error} When a file could not be written.
   */
  async batchFull(): Promise<void> {
    const batch = this.batch;
    if (this.#groups + 1 < this.#groupsPerFile) {
      await this.#frame(batch.length);
      batch.length = 0;
      return;
    }
    const users = batch.values[0]!;
    const last = users[batch.length - 1]!;
    let cut = batch.length - 1;
    while (cut > 0 && users[cut - 1] === last) cut--;
    // The last user fills the whole group: it starts the next file, unless its rows began before
    // the group (a user with more rows than a group, over 262,144), which is cut at the bound.
    if (cut === 0 && (this.#groups === 0 || this.#lastFramedUser === last)) {
      cut = batch.length;
    }
    if (cut > 0) await this.#frame(cut);
    await this.#writeFile();
    batch.keepFrom(cut);
    if (batch.length === batch.capacity) {
      await this.#frame(batch.length);
      batch.length = 0;
    }
  }

  /**
   * Writes the rows left as the last file (an empty table still gets one file, for its schema),
   * and waits for every file. `whileWriting` runs once the last file is asked for, while the
   * Worker writes it, and is waited for too.
   *
   * @returns Every file written, in order.
   * @throws {Error} When a file could not be written.
   */
  async finish(whileWriting?: () => Promise<void>): Promise<PartFile[]> {
    if (this.batch.length > 0) {
      await this.#frame(this.batch.length);
      this.batch.length = 0;
    }
    if (this.#groups > 0 || this.#fileCount === 0) {
      if (this.#groups === 0) await this.#frame(0);
      await this.#writeFile();
    }
    await whileWriting?.();
    await this.#writing;
    return [...this.#files];
  }

  /** Ends the Worker, once the file it is writing (if any) is written. Safe to call again. */
  close(): Promise<void> {
    return this.#thread.close();
  }

  // The batch's first `end` rows become a row group of the file being filled.
  // The batch's arrays are replaced (see PartFileThread.addGroup): read them again after this.
  async #frame(end: number) {
    if (end > 0) this.#lastFramedUser = this.batch.values[0]![end - 1];
    await this.#thread.addGroup(this.batch, end);
    this.#groups++;
    // This thread holds no frames, but the scan's garbage, the arrays moved to the Worker and the
    // anime features read meanwhile go only with a full collection: with one after every second
    // group and one after each file written, the 8M-row bench's export peaked at 221 MB (VmHWM,
    // load average 8 to 15, three runs); with only the first 229 to 240 MB (six runs), with
    // neither 278 to 300 MB.
    if (this.#groups % 2 === 0) releaseNativeMemory();
  }

  // Asks for the file's groups to be written; the file before must be written first (a file's
  // frames are held in the Worker until then, so at most one file's rows wait in memory).
  async #writeFile() {
    await this.#writing;
    const path = `${this.#folder}/part-${String(this.#fileCount++).padStart(5, "0")}.parquet`;
    this.#groups = 0;
    const written = this.#thread.writeFile(this.#root, path).then((file) => {
      this.#files.push(file);
      releaseNativeMemory();
      this.#onFile(file);
    });
    // Awaited by the next file or finish(); a failure meanwhile is seen there.
    written.catch(() => {});
    this.#writing = written;
  }
}
