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
 * Collects V8's young generation alone (about a tenth of a millisecond), when the process was
 * started with `--v8-flags=--expose-gc` (as `deno task export` is): what a socket reads arrives in a
 * new ArrayBuffer each time, outside V8's heap, and a reader that allocates little else gives V8
 * no reason to collect them. The global `gc` is used for this only: full collections through it
 * left the 8M-row export's memory growing file by file (255 to 275 MB peak against 226 to 230, two
 * and three runs), so {@link releaseNativeMemory} keeps the `gc` of a new context.
 *
 * @returns False, having done nothing, when the flag was not given.
 */
export function releaseYoungMemory(): boolean {
  const global = (globalThis as { gc?: (options: { type: "minor" }) => void }).gc;
  if (typeof global !== "function") return false;
  global({ type: "minor" });
  return true;
}

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
