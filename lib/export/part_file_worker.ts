// Owns the Worker side of the interactions' Parquet writing: row groups in, part files out.
/**
 * The module a {@link PartFileThread} (`part_file_thread.ts`) runs in its Worker. polars encodes
 * Parquet synchronously, and its frames' native memory is freed only by full collections of the
 * heap that holds them: here both happen on a thread of their own, beside a heap of a few frames,
 * while the export's main thread sorts and gathers the next rows.
 *
 * @example Messages, in order (posted by PartFileThread)
 * ```ts ignore
 * worker.postMessage({ type: "group", columns, length, values, nulls }, buffers); // -> "framed"
 * worker.postMessage({ type: "file", root, path }); // -> "file" with the PartFile
 * ```
 */
import pl from "nodejs-polars";
import { batchFrame } from "./batch_frame.ts";
import type { ExportColumn } from "./interaction_columns.ts";
import type { PartFile } from "./interaction_parts.ts";
import { writeParquetFile } from "./write_parquet_file.ts";
import { releaseNativeMemory } from "../runtime/release_native_memory.ts";

/** A row group's rows, column by column (`length` rows from index 0), moved to the Worker. */
export interface GroupMessage {
  type: "group";
  columns: readonly ExportColumn[];
  length: number;
  /** Row groups per file at most: the collection after every second group skips the last. */
  groupsPerFile: number;
  values: (Int16Array | Int32Array)[];
  nulls: (Uint8Array | undefined)[];
}

/** Writes the row groups received since the last file as `root/path`. */
export interface FileMessage {
  type: "file";
  root: string;
  path: string;
}

/** Set once (first message): `stop[0] === 1` makes the Worker skip what is still queued. */
export interface StopMessage {
  type: "stop-flag";
  stop: Int32Array;
}

/** What the Worker answers, one reply per message. */
export type WorkerReply =
  | {
    type: "framed";
    values: (Int16Array | Int32Array)[];
    nulls: (Uint8Array | undefined)[];
  }
  | { type: "file"; file: PartFile }
  | { type: "skipped" }
  | { type: "failed"; message: string; stack?: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<GroupMessage | FileMessage | StopMessage>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
let frames: pl.DataFrame[] = [];
let stop: Int32Array | undefined;
// After a failure the export is over: what is still queued is skipped, as after a stop.
let failed = false;

// One message at a time, in order, each answered once (handled synchronously: polars is).
scope.onmessage = (event) => handle(event.data);

function handle(message: GroupMessage | FileMessage | StopMessage) {
  if (message.type === "stop-flag") {
    stop = message.stop;
    return;
  }
  if (failed || (stop !== undefined && Atomics.load(stop, 0) === 1)) {
    frames = [];
    scope.postMessage({ type: "skipped" });
    return;
  }
  try {
    if (message.type === "group") frame(message);
    else writeFile(message);
  } catch (error) {
    failed = true;
    frames = [];
    scope.postMessage({
      type: "failed",
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
    });
  }
}

// The group becomes a frame (polars copies the rows), and its arrays go back to be filled again.
// A collection after every second group of a file frees what building the groups left (the
// frames' JavaScript objects, and the native memory they hold, which V8 does not see); the file's
// own collection follows its last group (see InteractionParts).
function frame(group: GroupMessage) {
  frames.push(batchFrame(group, 0, group.length));
  if (frames.length % 2 === 0 && frames.length < group.groupsPerFile) releaseNativeMemory();
  const buffers = [...group.values, ...group.nulls].filter((array) => array !== undefined)
    .map((array) => array.buffer as ArrayBuffer);
  scope.postMessage({ type: "framed", values: group.values, nulls: group.nulls }, buffers);
}

function writeFile(message: FileMessage) {
  const frame = frames.length === 1
    ? frames[0]!
    : pl.concat(frames, { how: "vertical", rechunk: false });
  frames = [];
  const written = writeParquetFile(frame, message.root, message.path);
  const users = frame.getColumn(frame.columns[0]!);
  const file: PartFile = {
    ...written,
    firstUserId: frame.height > 0 ? Number(users.get(0)) : null,
    lastUserId: frame.height > 0 ? Number(users.get(frame.height - 1)) : null,
  };
  releaseNativeMemory();
  scope.postMessage({ type: "file", file });
}
