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
 * for (const user of [1, 1, 1, 2, 2, 3]) {
 *   parts.batch.values[0]![parts.batch.length++] = user;
 *   if (parts.batch.length === parts.batch.capacity) parts.batchFull();
 * }
 * const files = parts.finish();
 * assert.deepEqual(files.map((file) => [file.rows, file.firstUserId, file.lastUserId]), [
 *   [3, 1, 1],
 *   [3, 2, 3],
 * ]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
import pl from "nodejs-polars";
import { batchFrame } from "./batch_frame.ts";
import { ColumnBatch } from "./column_batch.ts";
import type { ExportColumn } from "./interaction_columns.ts";
import { releaseNativeMemory } from "../runtime/release_native_memory.ts";
import { PARQUET_OPTIONS, writeParquetFile, type WrittenFile } from "./write_parquet_file.ts";

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
 * `interactions/part-NNNNN.parquet`. Only the rows of the file being filled are held: the batch
 * being decoded plus the frames of its full row groups.
 */
export class InteractionParts {
  /** Where the decoder writes rows; call {@link batchFull} when it is full. */
  readonly batch: ColumnBatch;
  readonly #root: string;
  readonly #groupsPerFile: number;
  readonly #folder: string;
  readonly #onFile: (file: PartFile) => void;
  #frames: pl.DataFrame[] = [];
  #lastFramedUser: number | undefined;
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
  }

  /** Takes the full batch as a row group; when it is a file's last, cuts at its last user's start. */
  batchFull(): void {
    const batch = this.batch;
    if (this.#frames.length + 1 < this.#groupsPerFile) {
      this.#frame(batch.length);
      batch.length = 0;
      return;
    }
    const users = batch.values[0]!;
    const last = users[batch.length - 1]!;
    let cut = batch.length - 1;
    while (cut > 0 && users[cut - 1] === last) cut--;
    // The last user fills the whole group: it starts the next file, unless its rows began before
    // the group (a user with more rows than a group, over 262,144), which is cut at the bound.
    if (cut === 0 && (this.#frames.length === 0 || this.#lastFramedUser === last)) {
      cut = batch.length;
    }
    if (cut > 0) this.#frame(cut);
    this.#writeFile();
    batch.keepFrom(cut);
    if (batch.length === batch.capacity) {
      this.#frame(batch.length);
      batch.length = 0;
    }
  }

  /**
   * Writes the rows left as the last file (an empty table still gets one file, for its schema).
   *
   * @returns Every file written, in order.
   */
  finish(): PartFile[] {
    if (this.batch.length > 0) {
      this.#frame(this.batch.length);
      this.batch.length = 0;
    }
    if (this.#frames.length > 0 || this.#files.length === 0) {
      if (this.#frames.length === 0) this.#frames.push(batchFrame(this.batch, 0, 0));
      this.#writeFile();
    }
    return [...this.#files];
  }

  // The batch's first `end` rows become a row group of the file being filled. A collection after
  // every second group frees what building the groups left (the frames' JavaScript objects, and
  // the native memory they hold, which V8 does not see); the file's own collection follows its
  // last group. Measured on the 8M-row bench's export with `deno task export`'s malloc setting
  // (/usr/bin/time, load average 6 to 7, two runs each): a collection after every group 206 to 208
  // MB and 3.9 to 4.1 s of CPU, after every second 215 to 217 MB and 3.2 to 3.4 s, after the file
  // only 225 to 231 MB and 2.8 to 2.9 s (a full collection costs 10 to 20 ms however little it
  // frees).
  #frame(end: number) {
    this.#frames.push(batchFrame(this.batch, 0, end));
    this.#lastFramedUser = this.batch.values[0]![end - 1];
    if (this.#frames.length % 2 === 0 && this.#frames.length < this.#groupsPerFile) {
      releaseNativeMemory();
    }
  }

  #writeFile() {
    const frame = this.#frames.length === 1
      ? this.#frames[0]!
      : pl.concat(this.#frames, { how: "vertical", rechunk: false });
    const path = `${this.#folder}/part-${String(this.#files.length).padStart(5, "0")}.parquet`;
    const written = writeParquetFile(frame, this.#root, path);
    const users = frame.getColumn(this.batch.columns[0]!.name);
    const file: PartFile = {
      ...written,
      firstUserId: frame.height > 0 ? Number(users.get(0)) : null,
      lastUserId: frame.height > 0 ? Number(users.get(frame.height - 1)) : null,
    };
    this.#frames = [];
    releaseNativeMemory();
    this.#files.push(file);
    this.#onFile(file);
  }
}
