// Owns writing one export file: fixed Parquet options so that the same rows give the same bytes.
/**
 * @example Write a frame and describe the file
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { writeParquetFile } from "./write_parquet_file.ts";
 * const root = await Deno.makeTempDir();
 * const frame = pl.DataFrame({ user_id: [1, 2] }).withColumns(pl.col("user_id").cast(pl.Int32));
 * const file = writeParquetFile(frame, root, "interactions/part-00000.parquet");
 * assert.equal(file.rows, 2);
 * assert.deepEqual(file.schema, [{ name: "user_id", type: "Int32" }]);
 * assert.match(file.sha256, /^[0-9a-f]{64}$/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
import pl from "nodejs-polars";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";

/**
 * How every export file is written. Parquet from polars holds no timestamp or host name, so these
 * fixed settings make the bytes a function of the rows (and of the polars version, which the
 * manifest names). Row groups of 2^18 rows let a reader stream a file a group at a time.
 */
export const PARQUET_OPTIONS = Object.freeze(
  {
    compression: "zstd",
    compressionLevel: 3,
    rowGroupSize: 262_144,
    statistics: true,
    maintainOrder: true,
  } as const,
);

/** One column of a file's schema, with its polars dtype written out (`Int32`, `List(String)`). */
export interface SchemaColumn {
  name: string;
  type: string;
}

/** A written file, as the manifest lists it. */
export interface WrittenFile {
  /** Path below the export's `run=N/` folder, with `/`, e.g. `anime/part-00000.parquet`. */
  path: string;
  rows: number;
  sizeBytes: number;
  /** SHA-256 of the file's bytes, lower-case hex. */
  sha256: string;
  schema: SchemaColumn[];
}

/**
 * Writes `frame` as Parquet to `root/path` (folders created) with {@link PARQUET_OPTIONS}.
 *
 * @param frame The rows, in the order they are written.
 * @param root The export's folder (`run=N/` or its staging copy).
 * @param path Where below it, with `/`.
 * @returns The file's row count, size, SHA-256 and schema.
 */
export function writeParquetFile(frame: pl.DataFrame, root: string, path: string): WrittenFile {
  const target = join(root, path);
  Deno.mkdirSync(dirname(target), { recursive: true });
  frame.lazy().sinkParquet(target, { ...PARQUET_OPTIONS }).collectSync();
  const { sha256, sizeBytes } = hashFile(target);
  return { path, rows: frame.height, sizeBytes, sha256, schema: frameSchema(frame) };
}

/**
 * A frame's columns and dtypes as the manifest writes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pl from "nodejs-polars";
 * import { frameSchema } from "./write_parquet_file.ts";
 * const frame = pl.DataFrame([pl.Series("genres", [["Drama"]], pl.List(pl.Utf8))]);
 * assert.deepEqual(frameSchema(frame), [{ name: "genres", type: "List(String)" }]);
 * ```
 */
export function frameSchema(frame: pl.DataFrame): SchemaColumn[] {
  return Object.entries(frame.schema).map(([name, dtype]) => ({
    name,
    type: dtypeName(dtype as pl.DataType),
  }));
}

/**
 * Size and SHA-256 of a file, read in 1 MiB blocks.
 *
 * @returns `sha256` as lower-case hex and `sizeBytes`.
 */
export function hashFile(path: string): { sha256: string; sizeBytes: number } {
  const hash = createHash("sha256");
  const block = new Uint8Array(1 << 20);
  let sizeBytes = 0;
  using file = Deno.openSync(path, { read: true });
  while (true) {
    const read = file.readSync(block);
    if (read === null) break;
    hash.update(block.subarray(0, read));
    sizeBytes += read;
  }
  return { sha256: hash.digest("hex"), sizeBytes };
}

function dtypeName(dtype: pl.DataType): string {
  if (dtype.variant !== "List") return dtype.variant;
  // A List's `inner` is public (its element type); DataType declares it protected.
  return `List(${dtypeName((dtype as unknown as { inner: pl.DataType[] }).inner[0]!)})`;
}
