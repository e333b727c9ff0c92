// Owns writing animelist.csv: streamed user by user, shuffled through spill files for the modified
// format, with exactly counted dirt.
import { type Catalogue, clamp, DIRT_WINDOW } from "./_catalogue.ts";
import { ChunkWriter, COMMA, indexPrefix, LF, writeCsvFile } from "./_csv_output.ts";
import type { ResolvedOptions } from "./_options.ts";
import { AliasTable, distinctIndices, Rng, Stream, Weighted } from "./_random.ts";

/** The capstone's copy kept 8,000,000 of the full file's 109,224,747 rows. */
const SAMPLE_FRACTION = 8_000_000 / 109_224_747;
const LIST_MEDIAN = 200;
const BAD_STATUSES_PER_WINDOW = 3;

export enum Dirt {
  Clean = 0,
  UnknownAnime = 1,
  UnknownStatus = 2,
}

const STATUS_DRAW = new Weighted([[2, 50], [6, 30], [1, 10], [4, 5.5], [3, 4.5]] as const);
/** Chance that a row with status 0..6 carries a score; plan-to-watch never does. */
const RATED_SHARE = [0.5, 0.5, 0.7, 0.5, 0.55, 0.5, 0];
/** Users score what they dropped lower, what they completed a little higher. */
const STATUS_RATING_SHIFT = [0, 0, 0.2, -0.5, -2, 0, 0];
const UNSCORED_MEAN = 6.8;

/** Fixed-rate, exactly counted dirt: stratified so small files still carry some. */
export class DirtSchedule {
  unknownAnime = 0;
  unknownStatus = 0;
  private readonly plan = new Uint8Array(DIRT_WINDOW);
  private offset = DIRT_WINDOW;

  constructor(private readonly rng: Rng) {}

  next(): Dirt {
    if (this.offset === DIRT_WINDOW) this.replan();
    const dirt = this.plan[this.offset++]! as Dirt;
    if (dirt === Dirt.UnknownAnime) this.unknownAnime++;
    else if (dirt === Dirt.UnknownStatus) this.unknownStatus++;
    return dirt;
  }

  private replan(): void {
    this.plan.fill(Dirt.Clean);
    const [orphanAt, ...badAt] = distinctIndices(
      this.rng,
      DIRT_WINDOW,
      1 + BAD_STATUSES_PER_WINDOW,
    );
    this.plan[orphanAt ?? 0] = Dirt.UnknownAnime;
    for (const i of badAt) this.plan[i] = Dirt.UnknownStatus;
    this.offset = 0;
  }
}

/** One user's rows as written, with their dirt: what the daily deltas start from. */
export interface ListedRows {
  readonly anime: Int32Array;
  readonly rating: Uint8Array;
  readonly status: Uint8Array;
  readonly watched: Int32Array;
  readonly dirtOf: Uint8Array;
}

/** Sees every user's rows as they are generated (the daily deltas keep the active users' rows). */
export type ListObserver = (user: number, rows: ListedRows, count: number) => void;

/** Per-anime columns the list generator reads in its hot loop. */
interface ListCatalogue {
  ids: Int32Array;
  /** -1 when unknown (still airing). */
  episodes: Int32Array;
  /** NaN when unscored. */
  scores: Float64Array;
  popularity: AliasTable;
  absentIds: Int32Array;
}

function listCatalogue(catalogue: Catalogue): ListCatalogue {
  const { anime } = catalogue;
  return {
    ids: Int32Array.from(anime, (a) => a.id),
    episodes: Int32Array.from(anime, (a) => a.episodes ?? -1),
    scores: Float64Array.from(anime, (a) => a.score ?? NaN),
    // Zipf over popularity rank: the top title sits on ~1.3% of lists, as Death Note does.
    popularity: new AliasTable(Float64Array.from(anime, (a) => 1 / (a.popularity + 10))),
    absentIds: Int32Array.from(catalogue.absentIds),
  };
}

/** One user's rows, built in reusable typed arrays; anime ids are distinct within a user. */
class UserList {
  readonly anime: Int32Array;
  readonly rating: Uint8Array;
  readonly status: Uint8Array;
  readonly watched: Int32Array;
  /** Dirt of each row: such rows are quarantined, so the daily deltas never treat them as listed. */
  readonly dirtOf: Uint8Array;
  /** Which list last took each anime (then each absent id): a per-list set without clearing. */
  private readonly takenBy: Int32Array;
  private list = 0;

  constructor(
    private readonly cat: ListCatalogue,
    private readonly rng: Rng,
    private readonly dirt: DirtSchedule,
    capacity: number,
  ) {
    this.anime = new Int32Array(capacity);
    this.rating = new Uint8Array(capacity);
    this.status = new Uint8Array(capacity);
    this.watched = new Int32Array(capacity);
    this.dirtOf = new Uint8Array(capacity);
    this.takenBy = new Int32Array(cat.ids.length + cat.absentIds.length).fill(-1);
  }

  fill(count: number): void {
    const { rng, cat } = this;
    this.list++;
    const bias = 0.7 * rng.normal();
    for (let j = 0; j < count; j++) {
      const dirt = this.dirt.next();
      this.dirtOf[j] = dirt;
      let episodes = -1;
      let score = UNSCORED_MEAN;
      if (dirt === Dirt.UnknownAnime) {
        this.anime[j] = cat.absentIds[this.takeAbsent()]!;
      } else {
        const i = this.takeAnime();
        this.anime[j] = cat.ids[i]!;
        episodes = cat.episodes[i]!;
        score = Number.isNaN(cat.scores[i]!) ? UNSCORED_MEAN : cat.scores[i]!;
      }
      const status = dirt === Dirt.UnknownStatus
        ? (rng.chance(0.5) ? 0 : 5)
        : STATUS_DRAW.draw(rng);
      this.status[j] = status;
      this.rating[j] = this.drawRating(status, score + bias);
      this.watched[j] = this.drawWatched(status, episodes);
    }
  }

  private takeAnime(): number {
    const n = this.cat.ids.length;
    for (let tries = 0; tries < 32; tries++) {
      const i = this.cat.popularity.draw(this.rng);
      if (this.takenBy[i] !== this.list) return this.take(i);
    }
    // A huge list has used up the popular titles: walk on from a random one instead.
    let i = this.rng.int(n);
    while (this.takenBy[i] === this.list) i = (i + 1) % n;
    return this.take(i);
  }

  private takeAbsent(): number {
    const n = this.cat.ids.length;
    const size = this.cat.absentIds.length;
    let k = this.rng.int(size);
    while (this.takenBy[n + k] === this.list) k = (k + 1) % size;
    this.take(n + k);
    return k;
  }

  private take(slot: number): number {
    this.takenBy[slot] = this.list;
    return slot;
  }

  private drawRating(status: number, expected: number): number {
    if (!this.rng.chance(RATED_SHARE[status]!)) return 0;
    const r = expected + 0.6 + STATUS_RATING_SHIFT[status]! + 1.4 * this.rng.normal();
    return clamp(Math.round(r), 1, 10);
  }

  private drawWatched(status: number, episodes: number): number {
    const rng = this.rng;
    if (status === 6) return 0;
    // Long-running shows (One Piece): users can be hundreds of episodes in.
    if (episodes < 0) return Math.min(2000, Math.floor(Math.exp(3 + 1.5 * rng.normal())));
    if (status === 2) return rng.chance(0.07) ? 0 : episodes;
    return rng.int(episodes + 1);
  }
}

/** Full list length of the next user: lognormal around 200 (mean ~330, as in MAL), some empty. */
function drawListLength(rng: Rng, cap: number): number {
  if (rng.chance(0.04)) return 0;
  return Math.min(cap, Math.max(1, Math.floor(LIST_MEDIAN * Math.exp(rng.normal()))));
}

interface UserRows {
  user: number;
  count: number;
}

/** Whole users in id order, the last one cut to make `total` rows (kaggle format). */
function* fullUsers(rng: Rng, total: number, cap: number): Generator<UserRows> {
  for (let user = 0, done = 0; done < total; user++) {
    const count = Math.min(drawListLength(rng, cap), total - done);
    if (count > 0) yield { user, count };
    done += count;
  }
}

/**
 * Bernoulli sample of a notional full file (modified format): geometric skips over its rows;
 * `positions` receives each kept row's position there, which becomes its index column.
 */
function* sampledUsers(
  rng: Rng,
  total: number,
  cap: number,
  positions: Float64Array,
): Generator<UserRows> {
  const logMiss = Math.log(1 - SAMPLE_FRACTION);
  let user = 0;
  let userStart = 0;
  let userLength = drawListLength(rng, cap);
  let count = 0;
  for (let pos = -1, done = 0; done < total; done++) {
    pos += 1 + Math.floor(Math.log(1 - rng.float()) / logMiss);
    if (pos >= userStart + userLength) {
      if (count > 0) yield { user, count };
      count = 0;
      while (pos >= userStart + userLength) {
        userStart += userLength;
        user++;
        userLength = drawListLength(rng, cap);
      }
    }
    positions[count++] = pos;
  }
  if (count > 0) yield { user, count };
}

export async function writeAnimelist(
  outDir: string,
  opts: ResolvedOptions,
  catalogue: Catalogue,
  observe?: ListObserver,
) {
  const cat = listCatalogue(catalogue);
  const dirt = new DirtSchedule(new Rng(opts.seed, Stream.Dirt));
  const cap = Math.max(1, Math.floor(cat.ids.length * 0.8));
  const lists = new UserList(cat, new Rng(opts.seed, Stream.Rows), dirt, cap);
  const usersRng = new Rng(opts.seed, Stream.Users);
  const header = `${indexPrefix(opts.format, null)}user_id,anime_id,rating,watching_status,` +
    "watched_episodes\n";
  const file = await writeCsvFile(outDir, "animelist.csv", opts.gzip, async (w) => {
    await w.text(header);
    if (opts.format === "kaggle") {
      await writeGroupedByUser(w, fullUsers(usersRng, opts.animelistRows, cap), lists, observe);
    } else {
      const spill = new ShuffleSpill(
        outDir,
        opts.animelistRows,
        new Rng(opts.seed, Stream.Shuffle),
      );
      try {
        const positions = new Float64Array(cap);
        for (const { user, count } of sampledUsers(usersRng, opts.animelistRows, cap, positions)) {
          lists.fill(count);
          observe?.(user, lists, count);
          for (let j = 0; j < count; j++) spill.push(user, lists, j, positions[j]!);
        }
        await spill.drainInto(w);
      } finally {
        spill.dispose();
      }
    }
    return opts.animelistRows;
  });
  return { file, orphans: dirt.unknownAnime, badStatuses: dirt.unknownStatus };
}

/** Kaggle layout: users ascending, each user's rows grouped by watching status like the sample. */
async function writeGroupedByUser(
  w: ChunkWriter,
  users: Iterable<UserRows>,
  lists: UserList,
  observe: ListObserver | undefined,
) {
  const order = new Int32Array(lists.anime.length);
  for (const { user, count } of users) {
    lists.fill(count);
    observe?.(user, lists, count);
    sortByStatus(lists.status, count, order);
    for (let k = 0; k < count; k++) {
      if (w.nearlyFull) await w.flush();
      const j = order[k]!;
      writeListRow(w, user, lists.anime[j]!, lists.rating[j]!, lists.status[j]!, lists.watched[j]!);
    }
  }
}

/** Counting sort of row numbers by status code (0..6) into `order`. */
function sortByStatus(status: Uint8Array, count: number, order: Int32Array): void {
  const starts = new Int32Array(8);
  for (let j = 0; j < count; j++) starts[status[j]! + 1]!++;
  for (let s = 1; s < 8; s++) starts[s]! += starts[s - 1]!;
  for (let j = 0; j < count; j++) order[starts[status[j]!]!++] = j;
}

function writeListRow(
  w: ChunkWriter,
  user: number,
  anime: number,
  rating: number,
  status: number,
  watched: number,
): void {
  w.uint(user);
  w.byte(COMMA);
  w.uint(anime);
  w.byte(COMMA);
  w.uint(rating);
  w.byte(COMMA);
  w.uint(status);
  w.byte(COMMA);
  w.uint(watched);
  w.byte(LF);
}

const SPILL_ROWS = 1 << 18;
const MAX_SPILL_FILES = 512;
const SPILL_STAGE_ROWS = 1 << 12;
/** user, anime, rating | status << 4 | watched << 8, position high word, position low word. */
const RECORD_WORDS = 5;

/**
 * Memory-flat global shuffle: every row goes to a random spill file (~256K rows each), then each
 * file is read back, Fisher-Yates shuffled and written out. The result is a uniform shuffle.
 */
class ShuffleSpill {
  private readonly paths: string[];
  private readonly files: Deno.FsFile[];
  private readonly stages: Uint32Array[];
  private readonly staged: Int32Array;

  constructor(outDir: string, rows: number, private readonly rng: Rng) {
    const count = clamp(Math.ceil(rows / SPILL_ROWS), 1, MAX_SPILL_FILES);
    this.paths = Array.from({ length: count }, (_, i) => `${outDir}/.animelist-shuffle-${i}.tmp`);
    this.files = this.paths.map((p) =>
      Deno.openSync(p, { read: true, write: true, create: true, truncate: true })
    );
    this.stages = this.paths.map(() => new Uint32Array(SPILL_STAGE_ROWS * RECORD_WORDS));
    this.staged = new Int32Array(count);
  }

  push(user: number, lists: UserList, j: number, position: number): void {
    const b = this.rng.int(this.files.length);
    const stage = this.stages[b]!;
    let o = this.staged[b]!++ * RECORD_WORDS;
    stage[o++] = user;
    stage[o++] = lists.anime[j]!;
    stage[o++] = lists.rating[j]! | (lists.status[j]! << 4) | (lists.watched[j]! << 8);
    stage[o++] = Math.floor(position / 4294967296);
    stage[o] = position >>> 0;
    if (this.staged[b] === SPILL_STAGE_ROWS) this.spill(b);
  }

  async drainInto(w: ChunkWriter): Promise<void> {
    for (let b = 0; b < this.files.length; b++) {
      this.spill(b);
      const bytes = Deno.readFileSync(this.paths[b]!);
      const records = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      Deno.truncateSync(this.paths[b]!);
      shuffleRecords(records, this.rng);
      await writeRecords(w, records);
    }
  }

  dispose(): void {
    for (const f of this.files) f.close();
    for (const p of this.paths) Deno.removeSync(p);
  }

  private spill(b: number): void {
    const bytes = new Uint8Array(this.stages[b]!.buffer, 0, this.staged[b]! * RECORD_WORDS * 4);
    for (let done = 0; done < bytes.length;) {
      done += this.files[b]!.writeSync(bytes.subarray(done));
    }
    this.staged[b] = 0;
  }
}

function shuffleRecords(records: Uint32Array, rng: Rng): void {
  for (let i = records.length / RECORD_WORDS - 1; i > 0; i--) {
    const a = i * RECORD_WORDS;
    const b = rng.int(i + 1) * RECORD_WORDS;
    for (let k = 0; k < RECORD_WORDS; k++) {
      const t = records[a + k]!;
      records[a + k] = records[b + k]!;
      records[b + k] = t;
    }
  }
}

async function writeRecords(w: ChunkWriter, records: Uint32Array): Promise<void> {
  for (let o = 0; o < records.length; o += RECORD_WORDS) {
    if (w.nearlyFull) await w.flush();
    const packed = records[o + 2]!;
    w.uint(records[o + 3]! * 4294967296 + records[o + 4]!);
    w.byte(COMMA);
    writeListRow(w, records[o]!, records[o + 1]!, packed & 15, (packed >>> 4) & 15, packed >>> 8);
  }
}
