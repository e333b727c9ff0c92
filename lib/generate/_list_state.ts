// Owns the list state the daily deltas evolve: the active users' pairs as the snapshot left them,
// then as each day's events changed them, so every update names a pair listed at that point.
import { Dirt, type ListedRows, type ListObserver } from "./_animelist_file.ts";
import { NumberMap } from "./_number_map.ts";
import { type Rng, Stream, unitHash } from "./_random.ts";

/** Where a pair stands after the events so far. */
export enum PairState {
  /** Removed, or named only by a removal: not on the list. */
  Removed = 0,
  /** On the list: a valid, admissible last event. */
  Listed = 1,
  /** Last event names an anime or status the dimensions do not define: quarantined, held back. */
  Held = 2,
}

/**
 * The most snapshot pairs the state keeps (about 80 bytes each, so under a GB of heap): at the full
 * Kaggle size, a month of 1% deltas would otherwise make it keep 30% of 109M pairs.
 */
export const MAX_ACTIVE_PAIRS = 8_000_000;

/**
 * The share of users whose lists the state keeps: enough that the listed pairs outnumber
 * `poolDays` days of `deltaRows`-line deltas, but at most about {@link MAX_ACTIVE_PAIRS} pairs.
 * The same for any number of deltas, so deltas of the same seed and size share their first days.
 */
export function activeShare(animelistRows: number, deltaRows: number, poolDays: number): number {
  const rows = Math.max(1, animelistRows);
  return Math.min(1, (poolDays * deltaRows) / rows, MAX_ACTIVE_PAIRS / rows);
}

/** Anime ids stay below 2^22 (1,000,000 anime span ids up to about 2.5M), users below 2^31. */
const ANIME_SPAN = 2 ** 22;

/**
 * The pairs of the active users (a fixed share of users chosen by a hash of their id) and every pair
 * a delta has named since. Memory follows the share, not the snapshot ({@link activeShare}).
 */
export class ListState {
  readonly user: number[] = [];
  readonly anime: number[] = [];
  readonly rating: number[] = [];
  readonly status: number[] = [];
  readonly watched: number[] = [];
  readonly state: PairState[] = [];
  /** Users whose whole list is known here: new pairs go to them. */
  readonly activeUsers: number[] = [];
  /** The largest user id of the snapshot, then of the deltas' new users. */
  maxUser = -1;
  private readonly slots = new NumberMap<number>();
  private readonly listed: number[] = [];
  private readonly listedAt: number[] = [];

  constructor(private readonly seed: number, private readonly activeShare: number) {}

  /** The observer to give the animelist writer. */
  observer(): ListObserver {
    return (user, rows, count) => this.observe(user, rows, count);
  }

  get listedCount(): number {
    return this.listed.length;
  }

  slotOf(user: number, anime: number): number | undefined {
    return this.slots.get(user * ANIME_SPAN + anime);
  }

  /** A new slot for a pair not seen before. */
  add(
    user: number,
    anime: number,
    values: { rating: number; status: number; watched: number },
    state: PairState,
  ): number {
    const slot = this.user.length;
    this.slots.set(user * ANIME_SPAN + anime, slot);
    this.user.push(user);
    this.anime.push(anime);
    this.rating.push(values.rating);
    this.status.push(values.status);
    this.watched.push(values.watched);
    this.state.push(PairState.Removed);
    this.listedAt.push(-1);
    this.setState(slot, state);
    return slot;
  }

  setState(slot: number, state: PairState): void {
    const at = this.listedAt[slot]!;
    if (state === PairState.Listed && at < 0) {
      this.listedAt[slot] = this.listed.length;
      this.listed.push(slot);
    } else if (state !== PairState.Listed && at >= 0) {
      const last = this.listed.pop()!;
      if (last !== slot) {
        this.listed[at] = last;
        this.listedAt[last] = at;
      }
      this.listedAt[slot] = -1;
    }
    this.state[slot] = state;
  }

  /** A uniformly chosen listed pair, or undefined when none is listed. */
  randomListed(rng: Rng): number | undefined {
    if (this.listed.length === 0) return undefined;
    return this.listed[rng.int(this.listed.length)];
  }

  private observe(user: number, rows: ListedRows, count: number): void {
    if (user > this.maxUser) this.maxUser = user;
    if (unitHash(this.seed, Stream.ActiveUsers, user) >= this.activeShare) return;
    this.activeUsers.push(user);
    for (let j = 0; j < count; j++) {
      this.add(user, rows.anime[j]!, {
        rating: rows.rating[j]!,
        status: rows.status[j]!,
        watched: rows.watched[j]!,
      }, rows.dirtOf[j] === Dirt.Clean ? PairState.Listed : PairState.Held);
    }
  }
}
