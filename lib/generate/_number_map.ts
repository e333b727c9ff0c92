// Owns a map from integer keys to values that holds more entries than one JavaScript Map can.
/**
 * V8 refuses a Map's 2^24th entry ("Map maximum size exceeded"); the generator's list state holds
 * tens of millions of pairs at the full Kaggle size. The keys are spread over {@link SHARDS} maps by
 * their low bits, so each holds a share of them.
 *
 * @example
 * ```ts
 * import { NumberMap } from "./_number_map.ts";
 * const slots = new NumberMap<number>();
 * slots.set(2 ** 40 + 7, 1);
 * console.log(slots.get(2 ** 40 + 7), slots.size); // 1 1
 * ```
 */
export class NumberMap<V> {
  private readonly shards: Map<number, V>[] = Array.from({ length: SHARDS }, () => new Map());

  /** Entries in all shards. */
  get size(): number {
    let size = 0;
    for (const shard of this.shards) size += shard.size;
    return size;
  }

  get(key: number): V | undefined {
    return this.shardOf(key).get(key);
  }

  has(key: number): boolean {
    return this.shardOf(key).has(key);
  }

  set(key: number, value: V): this {
    this.shardOf(key).set(key, value);
    return this;
  }

  delete(key: number): boolean {
    return this.shardOf(key).delete(key);
  }

  /** Every entry, shard by shard: not in insertion order, unlike a Map's. */
  *[Symbol.iterator](): IterableIterator<[number, V]> {
    for (const shard of this.shards) yield* shard;
  }

  private shardOf(key: number): Map<number, V> {
    // Keys are non-negative integers below 2^53: the remainder is exact.
    return this.shards[key % SHARDS]!;
  }
}

/** 64 maps of up to 2^24 entries each: over a billion keys, beyond the generator's bounds. */
const SHARDS = 64;
