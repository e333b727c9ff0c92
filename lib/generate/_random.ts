// Owns the generator's randomness: seeded PRNG streams and the draws the files are built from.

/** Independent PRNG streams, so changing one file's recipe does not reshuffle the others. */
export enum Stream {
  Catalogue = 1,
  Synopsis,
  Users,
  Rows,
  Dirt,
  Shuffle,
  /** Which users are active in the daily deltas; a hash of the user id, not a draw. */
  ActiveUsers,
  Deltas,
  DeltaDirt,
}

/** sfc32 seeded through a murmur3 finaliser: fast, 128-bit state, no Math.random. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, stream: number) {
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    const s = mix32(mix32(seed >>> 0) ^ mix32(high ^ 0x5bd1e995) ^ Math.imul(stream, 0x9e3779b9));
    this.a = mix32(s ^ 0x243f6a88);
    this.b = mix32(s ^ 0x85a308d3);
    this.c = mix32(s ^ 0x13198a2e);
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float());
  }

  pick<T>(items: readonly T[]): T {
    return at(items, this.int(items.length));
  }
}

/**
 * A uniform value in [0, 1) fixed by (seed, stream, n): lets a writer pick items by id without
 * consuming any stream, so the files it already writes stay byte-identical.
 */
export function unitHash(seed: number, stream: number, n: number): number {
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  const s = mix32(mix32(seed >>> 0) ^ mix32(high ^ 0x5bd1e995) ^ Math.imul(stream, 0x9e3779b9));
  return mix32(s ^ mix32(n >>> 0) ^ Math.imul(Math.floor(n / 2 ** 32), 0x27d4eb2f)) / 4294967296;
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`index ${index} outside 0..${items.length - 1}`);
  return item;
}

/** Draws from a short list of (value, weight) pairs. */
export class Weighted<T> {
  private readonly values: T[];
  private readonly cumulative: number[];

  constructor(entries: readonly (readonly [T, number])[]) {
    let sum = 0;
    this.values = entries.map(([value]) => value);
    this.cumulative = entries.map(([, weight]) => (sum += weight));
  }

  draw(rng: Rng): T {
    const cumulative = this.cumulative;
    const x = rng.float() * at(cumulative, cumulative.length - 1);
    let i = 0;
    while (i < cumulative.length - 1 && x >= cumulative[i]!) i++;
    return at(this.values, i);
  }
}

/** Walker/Vose alias table: O(1) draws from thousands of weights in the animelist hot loop. */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: Float64Array) {
    const n = weights.length;
    const total = weights.reduce((s, w) => s + w, 0);
    this.prob = weights.map((w) => (w * n) / total);
    this.alias = new Int32Array(n);
    const small: number[] = [];
    const large: number[] = [];
    this.prob.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.alias[s] = l;
      this.prob[l] = this.prob[l]! + this.prob[s]! - 1;
      (this.prob[l]! < 1 ? small : large).push(l);
    }
    // Whatever is left holds probability 1 up to rounding error.
    for (const i of [...small, ...large]) this.prob[i] = 1;
  }

  draw(rng: Rng): number {
    const i = rng.int(this.prob.length);
    return rng.float() < this.prob[i]! ? i : this.alias[i]!;
  }
}

/** Up to `k` distinct indices in [0, n), in draw order. */
export function distinctIndices(rng: Rng, n: number, k: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, n)) chosen.add(rng.int(n));
  return [...chosen];
}
