// Owns giving a typed array's memory back at once, instead of when the collector next runs.
/**
 * @example Free a grown array's old copy
 * ```ts
 * import assert from "node:assert/strict";
 * import { freeArray } from "./free_array.ts";
 * const old = new Int32Array(1024);
 * const grown = new Int32Array(2048);
 * grown.set(old);
 * freeArray(old);
 * assert.equal(old.length, 0);
 * ```
 */

/**
 * Detaches an array's buffer (`ArrayBuffer.prototype.transfer(0)` releases the old backing store at
 * once), so the array reads as empty afterwards. Left to the collector, a grown array's old copy or
 * a structure no longer used stays resident until a full collection, which in a run that mostly
 * waits on the server can come minutes later. Only for arrays no one else holds a view of.
 */
export function freeArray(array: { readonly buffer: ArrayBuffer }): void {
  array.buffer.transfer(0);
}
