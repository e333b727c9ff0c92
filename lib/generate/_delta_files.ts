// Owns writing the daily deltas (animelist_updates/YYYY-MM-DD.csv): each day's events on the list,
// consistent with the snapshot and the days before, with the snapshot's dirt and repeated pairs.
import { type Catalogue, clamp } from "./_catalogue.ts";
import { Dirt, DirtSchedule } from "./_animelist_file.ts";
import { ChunkWriter, COMMA, type GeneratedFile, LF, writeCsvFile } from "./_csv_output.ts";
import { type ListState, PairState } from "./_list_state.ts";
import { NumberMap } from "./_number_map.ts";
import type { ResolvedOptions } from "./_options.ts";
import { AliasTable, Rng, Stream, Weighted } from "./_random.ts";

/** The folder of the deltas under the prefix, as the source contract names it. */
export const DELTA_FOLDER = "animelist_updates";

/** Shares of a day's lines (issue 15's 1% delta: about 60% updates, 35% new pairs, 5% removals). */
export const DELTA_MIX = Object.freeze({ updates: 0.6, newPairs: 0.35, removals: 0.05 });
/** Of the updates and removals: the share that names a pair already named earlier the same day. */
const REPEAT_SHARE = 0.03;
/** Of the removals: the share naming a pair that is not on the list (a removal sent twice, say). */
const ABSENT_REMOVAL_SHARE = 0.05;
/** Of the new pairs: the share from users who joined that day. */
const NEW_USER_SHARE = 0.05;
/** The active users' listed pairs cover this many days of updates, so none runs out. */
export const ACTIVE_POOL_DAYS = 30;

const NEW_STATUS = new Weighted([[6, 45], [1, 45], [2, 10]] as const);
const STATUS_RATING_SHIFT = [0, 0, 0.2, -0.5, -2, 0, 0];
const UNSCORED_MEAN = 6.8;
const MAX_UNKNOWN_EPISODES = 2000;

/** What the pipeline must count for one delta, computed from the events as they were generated. */
export interface DeltaLedger {
  /** Data lines, header excluded. */
  rows: number;
  inserted: number;
  updated: number;
  removed: number;
  /** Removals of pairs not on the list when the day began (and not added that day). */
  absentRemovals: number;
  /** Earlier lines of a pair the same delta names again: the last line wins. */
  superseded: number;
  /** Lines the pipeline must quarantine (held back), by reject reason. */
  quarantined: { unknown_anime_id: number; unknown_watching_status: number };
}

/** One delta written by `generateDataset`. */
export interface GeneratedDelta {
  /** `name` is the key below the prefix, e.g. `animelist_updates/2026-12-01.csv`. */
  file: GeneratedFile;
  /** The as-of date, YYYY-MM-DD. */
  day: string;
  expected: DeltaLedger;
}

/** Per-anime facts the events need, looked up by MAL id. */
interface AnimeFacts {
  ids: Int32Array;
  /** Catalogue index of each id, -1 for ids the catalogue lacks. */
  indexOfId: Int32Array;
  episodes: Int32Array;
  scores: Float64Array;
  popularity: AliasTable;
  absentIds: number[];
}

function animeFacts(catalogue: Catalogue): AnimeFacts {
  const { anime } = catalogue;
  const ids = Int32Array.from(anime, (a) => a.id);
  const indexOfId = new Int32Array((ids[ids.length - 1] ?? 0) + 1).fill(-1);
  ids.forEach((id, i) => (indexOfId[id] = i));
  return {
    ids,
    indexOfId,
    episodes: Int32Array.from(anime, (a) => a.episodes ?? -1),
    scores: Float64Array.from(anime, (a) => a.score ?? NaN),
    popularity: new AliasTable(Float64Array.from(anime, (a) => 1 / (a.popularity + 10))),
    absentIds: catalogue.absentIds,
  };
}

/** The day `offset` days after `firstDay` (YYYY-MM-DD, UTC). */
export function deltaDay(firstDay: string, offset: number): string {
  const date = new Date(`${firstDay}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
}

/** Writes `opts.deltas` days of events on `state` into `outDir/animelist_updates/`. */
export async function writeDeltas(
  outDir: string,
  opts: ResolvedOptions,
  catalogue: Catalogue,
  state: ListState,
): Promise<GeneratedDelta[]> {
  if (opts.deltas === 0) return [];
  await Deno.mkdir(`${outDir}/${DELTA_FOLDER}`, { recursive: true });
  const days = new DayEvents(
    animeFacts(catalogue),
    state,
    new Rng(opts.seed, Stream.Deltas),
    new DirtSchedule(new Rng(opts.seed, Stream.DeltaDirt)),
  );
  const header = `${opts.format === "modified" ? "," : ""}user_id,anime_id,rating,` +
    "watching_status,watched_episodes,removed\n";
  const deltas: GeneratedDelta[] = [];
  for (let offset = 0; offset < opts.deltas; offset++) {
    const day = deltaDay(opts.firstDay, offset);
    let expected: DeltaLedger | undefined;
    const file = await writeCsvFile(
      outDir,
      `${DELTA_FOLDER}/${day}.csv`,
      opts.gzipDeltas,
      async (w) => {
        await w.text(header);
        expected = await days.write(w, opts.deltaRows, opts.format === "modified");
        return opts.deltaRows;
      },
    );
    deltas.push({ file, day, expected: expected! });
  }
  return deltas;
}

interface Values {
  rating: number;
  status: number;
  watched: number;
}

/** One day's lines at a time; the state carries over from day to day. */
class DayEvents {
  /** Pairs named by a valid line today, with whether each was listed when the day began. */
  private touched = new NumberMap<boolean>();
  private touchedSlots: number[] = [];

  constructor(
    private readonly facts: AnimeFacts,
    private readonly state: ListState,
    private readonly rng: Rng,
    private readonly dirt: DirtSchedule,
  ) {}

  async write(w: ChunkWriter, rows: number, indexColumn: boolean): Promise<DeltaLedger> {
    this.touched = new NumberMap();
    this.touchedSlots = [];
    const quarantined = { unknown_anime_id: 0, unknown_watching_status: 0 };
    let validLines = 0;
    for (let line = 0; line < rows; line++) {
      if (w.nearlyFull) await w.flush();
      if (indexColumn) {
        w.uint(line);
        w.byte(COMMA);
      }
      const dirt = this.dirt.next();
      if (dirt !== Dirt.Clean) {
        this.writeHeldBack(w, dirt);
        if (dirt === Dirt.UnknownAnime) quarantined.unknown_anime_id++;
        else quarantined.unknown_watching_status++;
        continue;
      }
      validLines++;
      const draw = this.rng.float();
      const slot = draw < DELTA_MIX.updates ? this.pickListed() : undefined;
      if (slot !== undefined) this.writeUpdate(w, slot);
      else if (draw < DELTA_MIX.updates + DELTA_MIX.newPairs || this.state.listedCount === 0) {
        this.writeNewPair(w);
      } else this.writeRemoval(w);
    }
    return { rows, ...this.tally(validLines), quarantined };
  }

  private tally(validLines: number) {
    const counts = { inserted: 0, updated: 0, removed: 0, absentRemovals: 0 };
    for (const [slot, wasListed] of this.touched) {
      const listed = this.state.state[slot] === PairState.Listed;
      if (listed) counts[wasListed ? "updated" : "inserted"]++;
      else counts[wasListed ? "removed" : "absentRemovals"]++;
    }
    return { ...counts, superseded: validLines - this.touched.size };
  }

  private touch(slot: number, wasListed: boolean): void {
    if (this.touched.has(slot)) return;
    this.touched.set(slot, wasListed);
    this.touchedSlots.push(slot);
  }

  /** A listed pair: now and then one named earlier today, else any. */
  private pickListed(): number | undefined {
    if (this.touchedSlots.length > 0 && this.rng.chance(REPEAT_SHARE)) {
      const slot = this.touchedSlots[this.rng.int(this.touchedSlots.length)]!;
      if (this.state.state[slot] === PairState.Listed) return slot;
    }
    return this.state.randomListed(this.rng);
  }

  /** A rating given, a show started, episodes advanced, a show completed, dropped or put on hold. */
  private writeUpdate(w: ChunkWriter, slot: number): void {
    const { state, rng } = this;
    this.touch(slot, true);
    const index = this.facts.indexOfId[state.anime[slot]!]!;
    const episodes = this.facts.episodes[index]!;
    let status = state.status[slot]!;
    let rating = state.rating[slot]!;
    let watched = state.watched[slot]!;
    const advance = () => {
      watched += 1 + Math.floor(-Math.log(1 - rng.float()) * 3);
      watched = Math.min(watched, episodes >= 0 ? episodes : MAX_UNKNOWN_EPISODES);
      if (watched === episodes) {
        status = 2;
        if (rating === 0 && rng.chance(0.6)) rating = this.drawRating(index, status);
      }
    };
    if (status === 1) {
      const turn = rng.float();
      if (turn < 0.06) {
        status = 4;
        if (rating === 0 && rng.chance(0.3)) rating = this.drawRating(index, status);
      } else if (turn < 0.1) status = 3;
      else advance();
    } else if (status === 6) {
      status = 1;
      watched = 0;
      advance();
    } else if ((status === 2 || status === 4) && rating === 0) {
      rating = this.drawRating(index, status);
    } else if (status === 2) {
      rating = clamp(rating + (rng.chance(0.5) ? 1 : -1), 1, 10);
    } else {
      status = 1;
      advance();
    }
    state.status[slot] = status;
    state.rating[slot] = rating;
    state.watched[slot] = watched;
    writeRow(w, state.user[slot]!, state.anime[slot]!, { rating, status, watched });
    w.byte(48);
    w.byte(LF);
  }

  private writeNewPair(w: ChunkWriter): void {
    const user = this.pickUser();
    const index = this.pickAnime(user);
    const anime = this.facts.ids[index]!;
    const values = this.newValues(index);
    const slot = this.state.add(user, anime, values, PairState.Listed);
    this.touch(slot, false);
    writeRow(w, user, anime, values);
    w.byte(48);
    w.byte(LF);
  }

  private writeRemoval(w: ChunkWriter): void {
    const { state, rng } = this;
    let slot = rng.chance(ABSENT_REMOVAL_SHARE) ? undefined : this.pickListed();
    if (slot === undefined) {
      const user = this.pickUser();
      slot = state.add(user, this.facts.ids[this.pickAnime(user)]!, {
        rating: 0,
        status: 0,
        watched: 0,
      }, PairState.Removed);
      this.touch(slot, false);
    } else {
      this.touch(slot, true);
      state.setState(slot, PairState.Removed);
    }
    // "Its other columns may be empty": half the producers leave them, half write the old values.
    if (rng.chance(0.5)) {
      writeRow(w, state.user[slot]!, state.anime[slot]!, {
        rating: state.rating[slot]!,
        status: state.status[slot]!,
        watched: state.watched[slot]!,
      });
    } else {
      w.uint(state.user[slot]!);
      w.byte(COMMA);
      w.uint(state.anime[slot]!);
      for (let k = 0; k < 4; k++) w.byte(COMMA);
    }
    // The contract's flag is case-insensitive: a few producers write pandas' `True`.
    if (rng.chance(0.1)) { for (const c of "True") w.byte(c.charCodeAt(0)); }
    else w.byte(49);
    w.byte(LF);
  }

  /** The snapshot's dirt, on new pairs: an anime anime.csv lacks, or a status code 0 or 5. */
  private writeHeldBack(w: ChunkWriter, dirt: Dirt): void {
    const { state, rng, facts } = this;
    const user = this.pickUser();
    let anime: number;
    let values: Values;
    if (dirt === Dirt.UnknownAnime) {
      let k = rng.int(facts.absentIds.length);
      while (state.slotOf(user, facts.absentIds[k]!) !== undefined) {
        k = (k + 1) % facts.absentIds.length;
      }
      anime = facts.absentIds[k]!;
      values = { rating: 0, status: rng.chance(0.5) ? 1 : 6, watched: 0 };
    } else {
      const index = this.pickAnime(user);
      anime = facts.ids[index]!;
      values = { ...this.newValues(index), status: rng.chance(0.5) ? 0 : 5 };
    }
    state.add(user, anime, values, PairState.Held);
    writeRow(w, user, anime, values);
    w.byte(48);
    w.byte(LF);
  }

  /** An active user, or now and then one who joined today. */
  private pickUser(): number {
    const { state, rng } = this;
    if (state.activeUsers.length === 0 || rng.chance(NEW_USER_SHARE)) {
      state.maxUser++;
      state.activeUsers.push(state.maxUser);
      return state.maxUser;
    }
    return state.activeUsers[rng.int(state.activeUsers.length)]!;
  }

  /** Catalogue index of a popular anime the user has never had on the list. */
  private pickAnime(user: number): number {
    const { facts, state, rng } = this;
    for (let tries = 0; tries < 32; tries++) {
      const i = facts.popularity.draw(rng);
      if (state.slotOf(user, facts.ids[i]!) === undefined) return i;
    }
    let i = rng.int(facts.ids.length);
    for (let steps = 0; state.slotOf(user, facts.ids[i]!) !== undefined; steps++) {
      if (steps === facts.ids.length) throw new RangeError(`user ${user} has every anime listed`);
      i = (i + 1) % facts.ids.length;
    }
    return i;
  }

  private newValues(index: number): Values {
    const { rng } = this;
    const episodes = this.facts.episodes[index]!;
    let status: number = NEW_STATUS.draw(rng);
    if (status === 2 && episodes < 0) status = 1;
    const watched = status === 6
      ? 0
      : status === 2
      ? episodes
      : episodes >= 0
      ? rng.int(Math.min(episodes, 3) + 1)
      : 1 + rng.int(3);
    const rated = status === 2 ? rng.chance(0.7) : status === 1 && rng.chance(0.1);
    return { rating: rated ? this.drawRating(index, status) : 0, status, watched };
  }

  private drawRating(index: number, status: number): number {
    const score = this.facts.scores[index]!;
    const expected = Number.isNaN(score) ? UNSCORED_MEAN : score;
    const r = expected + 0.6 + STATUS_RATING_SHIFT[status]! + 1.4 * this.rng.normal();
    return clamp(Math.round(r), 1, 10);
  }
}

/** user_id..watched_episodes and the comma before `removed`. */
function writeRow(w: ChunkWriter, user: number, anime: number, values: Values): void {
  w.uint(user);
  w.byte(COMMA);
  w.uint(anime);
  w.byte(COMMA);
  w.uint(values.rating);
  w.byte(COMMA);
  w.uint(values.status);
  w.byte(COMMA);
  w.uint(values.watched);
  w.byte(COMMA);
}
