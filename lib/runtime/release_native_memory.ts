// Owns freeing the native memory of polars frames that are no longer used (after each file, block).
/**
 * @example After writing a file
 * ```ts
 * import { releaseNativeMemory } from "./release_native_memory.ts";
 * releaseNativeMemory();
 * ```
 */
import v8 from "node:v8";
import vm from "node:vm";

let collect: (() => void) | undefined;

/**
 * Runs a full garbage collection. A polars frame's rows live in native memory that V8 does not
 * count, so it sees no reason to collect the small objects that hold them: without this, each part
 * file written left its frames (about 32 MB) resident until the process ended. With it, peak RSS
 * stays that of one part however many parts an export has. Notebook 02's block profile calls it
 * after each block for the same reason.
 */
export function releaseNativeMemory(): void {
  if (collect === undefined) {
    // `--expose-gc` at run time exposes `gc` to contexts created afterwards; the flag is not
    // needed on the command line of every task that exports (etl, schedule, export).
    v8.setFlagsFromString("--expose-gc");
    collect = vm.runInNewContext("gc") as () => void;
  }
  collect();
}
