// Owns spilling rows to local files by user-id range, and reading one range's rows back.
/**
 * @example Spill five rows into two ranges of users and read the second back
 * ```ts
 * import assert from "node:assert/strict";
 * import { ColumnBatch } from "./column_batch.ts";
 * import { readSpilledRange, UserRangeSpill } from "./user_range_spill.ts";
 * const columns = [
 *   { name: "user_id", type: "int4", nullable: false },
 *   { name: "rating", type: "int2", nullable: false },
 * ] as const;
 * const dir = await Deno.makeTempDir();
 * const rows = new ColumnBatch(columns, 8);
 * [[4, 1], [1, 2], [3, 3], [2, 4], [4, 5]].forEach(([user, rating], i) => {
 *   rows.values[0]![i] = user!;
 *   rows.values[1]![i] = rating!;
 * });
 * rows.length = 5;
 * const spill = new UserRangeSpill(dir, columns, { firstUser: 1, lastUser: 4, ranges: 2 });
 * spill.add(rows);
 * const ranges = spill.finish();
 * assert.deepEqual(ranges.map((range) => [range.firstUser, range.lastUser, range.rows]), [
 *   [1, 2, 2],
 *   [3, 4, 3],
 * ]);
 * const back = new ColumnBatch(columns, 3);
 * readSpilledRange(ranges[1]!, back);
 * assert.deepEqual([...back.values[1]!], [1, 3, 5]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
import { join } from "node:path";
import { ColumnBatch } from "./column_batch.ts";
import type { ExportColumn } from "./interaction_columns.ts";

/** The rows of one user range on disk, as {@link UserRangeSpill.finish} returns them. */
export interface SpilledRange {
  /** The range's users, inclusive: every row's user_id is in `firstUser .. lastUser`. */
  firstUser: number;
  lastUser: number;
  rows: number;
  /** The file; absent when no row fell in the range. */
  path?: string;
  /** Rows per block in the file; each block holds its rows column after column. */
  blockRows: number;
  columns: readonly ExportColumn[];
}

/** Options of {@link UserRangeSpill}. */
export interface UserRangeSpillOptions {
  /** The smallest and largest user_id of the rows (inclusive). */
  firstUser: number;
  lastUser: number;
  /** Ranges of equal width to cut the users into (fewer when there are fewer users). */
  ranges: number;
  /**
   * Rows the ranges buffer in all before they write them as blocks, shared out among the ranges
   * (from 256 to 8,192 rows a block each); default 262,144 (about 5 MB of 18-byte rows), so that
   * memory does not grow with the number of ranges.
   */
  bufferRows?: number;
}

/**
 * Receives rows in any order and writes each to the file of its user range: the rows of a range
 * are then read back alone ({@link readSpilledRange}) and sorted in memory, one range at a time.
 * The files hold the columns' typed arrays as they are in memory (this process reads them back);
 * the first column is the user id, and no column may be nullable.
 */
export class UserRangeSpill {
  readonly #dir: string;
  readonly #columns: readonly ExportColumn[];
  readonly #firstUser: number;
  readonly #lastUser: number;
  readonly #width: number;
  readonly #blocks: ColumnBatch[];
  readonly #rows: number[];
  readonly #files: (Deno.FsFile | undefined)[];
  #closed = false;
  // Spills of one folder (a range cut again has its own) name their files apart.
  static #spills = 0;
  readonly #id = UserRangeSpill.#spills++;

  /**
   * @param dir An existing folder the files go into (the caller removes it).
   * @param columns The rows' columns; the first is the user id.
   * @throws {Error} When a column is nullable, or the users' bounds are not integers in order.
   */
  constructor(dir: string, columns: readonly ExportColumn[], options: UserRangeSpillOptions) {
    const nullable = columns.find((column) => column.nullable);
    if (nullable) {
      throw new Error(`Cannot spill column "${nullable.name}": nullable columns are not spilled`);
    }
    const { firstUser, lastUser } = options;
    if (!Number.isInteger(firstUser) || !Number.isInteger(lastUser) || lastUser < firstUser) {
      throw new Error(`Cannot spill users ${firstUser} to ${lastUser}: not a range of user ids`);
    }
    this.#dir = dir;
    this.#columns = columns;
    this.#firstUser = firstUser;
    this.#lastUser = lastUser;
    const users = lastUser - firstUser + 1;
    this.#width = Math.ceil(users / Math.max(1, Math.min(Math.trunc(options.ranges), users)));
    const ranges = Math.ceil(users / this.#width);
    const blockRows = Math.max(
      256,
      Math.min(8_192, Math.floor((options.bufferRows ?? 262_144) / ranges)),
    );
    this.#blocks = Array.from({ length: ranges }, () => new ColumnBatch(columns, blockRows));
    this.#rows = new Array(ranges).fill(0);
    this.#files = new Array(ranges).fill(undefined);
  }

  /**
   * Adds the batch's rows (`0 .. batch.length`); the batch can be refilled after.
   *
   * @throws {Error} When a row's user id is outside the spill's users.
   */
  add(batch: ColumnBatch): void {
    const users = batch.values[0]!;
    const columns = batch.values;
    const columnCount = columns.length;
    const first = this.#firstUser;
    const width = this.#width;
    for (let row = 0; row < batch.length; row++) {
      const user = users[row]!;
      if (user < first || user > this.#lastUser) {
        throw new Error(
          `Cannot spill user_id ${user}: outside the users ${first} to ${this.#lastUser} the ` +
            `export found`,
        );
      }
      const range = Math.floor((user - first) / width);
      const block = this.#blocks[range]!;
      const at = block.length;
      for (let c = 0; c < columnCount; c++) block.values[c]![at] = columns[c]![row]!;
      block.length = at + 1;
      if (block.length === block.capacity) this.#flush(range);
    }
  }

  /**
   * Writes what the ranges still buffer and closes the files.
   *
   * @returns Every range, in user order (empty ones included, with no file).
   */
  finish(): SpilledRange[] {
    this.#blocks.forEach((block, range) => {
      if (block.length > 0) this.#flush(range);
    });
    this.close();
    // The buffers go with the spill (about 5 MB), before the ranges are read back.
    return this.#blocks.splice(0).map((block, range) => {
      const firstUser = this.#firstUser + range * this.#width;
      return {
        firstUser,
        lastUser: Math.min(firstUser + this.#width - 1, this.#lastUser),
        rows: this.#rows[range]!,
        ...(this.#rows[range]! > 0 ? { path: this.#path(range) } : {}),
        blockRows: block.capacity,
        columns: this.#columns,
      };
    });
  }

  /** Closes the files (after a failure: the caller removes the folder). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const file of this.#files) file?.close();
  }

  #path(range: number): string {
    return join(this.#dir, `spill-${this.#id}-users-${this.#firstUser + range * this.#width}.bin`);
  }

  #flush(range: number) {
    const block = this.#blocks[range]!;
    let file = this.#files[range];
    if (file === undefined) {
      file = Deno.openSync(this.#path(range), { write: true, createNew: true });
      this.#files[range] = file;
    }
    for (const values of block.values) {
      writeAll(file, new Uint8Array(values.buffer, 0, block.length * values.BYTES_PER_ELEMENT));
    }
    this.#rows[range]! += block.length;
    block.length = 0;
  }
}

/**
 * Reads a spilled range's rows into `into` (from row 0; `into.length` becomes the range's rows).
 *
 * @param range A range {@link UserRangeSpill.finish} returned.
 * @param into A batch of the spill's columns with room for `range.rows` rows.
 * @throws {Error} When `into` is too small, or the file is shorter than its rows.
 */
export function readSpilledRange(range: SpilledRange, into: ColumnBatch): void {
  if (into.capacity < range.rows) {
    throw new Error(`Cannot read ${range.rows} spilled rows into a batch of ${into.capacity}`);
  }
  into.length = 0;
  readBlocks(range, into, (rows) => {
    const at = into.length;
    into.length += rows;
    return at;
  });
}

/**
 * Reads a spilled range one block at a time into `block` (a batch of the spill's columns with room
 * for `range.blockRows` rows), calling `onBlock` after each, in the order the rows were written.
 *
 * @throws {Error} When `block` is too small, or the file is shorter than its rows.
 */
export function forEachSpilledBlock(
  range: SpilledRange,
  block: ColumnBatch,
  onBlock: () => void,
): void {
  if (block.capacity < range.blockRows) {
    throw new Error(
      `Cannot read blocks of ${range.blockRows} rows into a batch of ${block.capacity}`,
    );
  }
  readBlocks(range, block, (rows) => {
    block.length = rows;
    return 0;
  }, onBlock);
}

// Reads each block into `into` from the row `place(rows)` returns.
function readBlocks(
  range: SpilledRange,
  into: ColumnBatch,
  place: (rows: number) => number,
  after: () => void = () => {},
) {
  if (range.path === undefined) return;
  using file = Deno.openSync(range.path, { read: true });
  for (let done = 0; done < range.rows; done += range.blockRows) {
    const rows = Math.min(range.blockRows, range.rows - done);
    const at = place(rows);
    for (const values of into.values) {
      const size = values.BYTES_PER_ELEMENT;
      const bytes = new Uint8Array(values.buffer, values.byteOffset + at * size, rows * size);
      readFull(file, bytes, range.path);
    }
    after();
  }
}

/**
 * Spills a range's rows again, a block at a time, into `ranges` narrower ranges of its users (for a
 * range whose users hold more rows than memory should): the rows of each keep their order.
 *
 * @param range A range {@link UserRangeSpill.finish} returned; its file is left for the caller.
 * @param dir The folder the new files go into.
 * @returns The narrower ranges, in user order.
 */
export function cutSpilledRange(range: SpilledRange, dir: string, ranges: number): SpilledRange[] {
  const spill = new UserRangeSpill(dir, range.columns, {
    firstUser: range.firstUser,
    lastUser: range.lastUser,
    ranges,
  });
  try {
    const block = new ColumnBatch(range.columns, range.blockRows);
    forEachSpilledBlock(range, block, () => spill.add(block));
    return spill.finish();
  } catch (error) {
    spill.close();
    throw error;
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array) {
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

function readFull(file: Deno.FsFile, into: Uint8Array, path: string) {
  let read = 0;
  while (read < into.length) {
    const count = file.readSync(into.subarray(read));
    if (count === null) {
      throw new Error(`Cannot read the spilled rows of ${path}: the file is short`);
    }
    read += count;
  }
}
