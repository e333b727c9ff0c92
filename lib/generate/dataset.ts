// Owns the synthetic "Anime Recommendation Database 2020" files: realistic, seeded, with known dirt.

/** Layout of the generated files: the Kaggle originals, or the capstone's pandas re-save. */
export type DatasetFormat = "modified" | "kaggle";

/** What to generate; only `animelistRows` is required. */
export interface GenerateOptions {
  /** Data rows in animelist.csv. */
  animelistRows: number;
  /** Data rows in anime.csv; default 17_562. */
  animeRows?: number;
  /** default "modified" */
  format?: DatasetFormat;
  /** PRNG seed; default 2020 */
  seed?: number;
  /** write NAME.csv.gz instead of NAME.csv; default false */
  gzip?: boolean;
}

/** One file written by {@link generateDataset}. */
export interface GeneratedFile {
  /** File name as written, e.g. `animelist.csv` or `animelist.csv.gz`. */
  name: string;
  path: string;
  /** Data rows, header excluded. */
  rows: number;
  /** Size on disk (compressed size when gzipped). */
  bytes: number;
}

/** The files written and the dirt a loader must quarantine. */
export interface GeneratedDataset {
  /** anime.csv, anime_with_synopsis.csv, watching_status.csv, animelist.csv (or .csv.gz). */
  files: GeneratedFile[];
  /** Rows the pipeline must quarantine, by file name (without .gz) then reason code. */
  expectedRejects: Record<string, Record<string, number>>;
}

/**
 * Writes the four dataset files into `outDir` (created if missing). Same options give
 * byte-identical files; memory stays flat however many animelist rows are asked for.
 */
export async function generateDataset(
  outDir: string,
  options: GenerateOptions,
): Promise<GeneratedDataset> {
  const opts = resolveOptions(options);
  await Deno.mkdir(outDir, { recursive: true });
  const catalogue = buildCatalogue(opts.animeRows, new Rng(opts.seed, Stream.Catalogue));
  const anime = await writeAnime(outDir, opts, catalogue.anime);
  const synopses = await writeSynopses(outDir, opts, catalogue);
  const statuses = await writeWatchingStatus(outDir, opts);
  const list = await writeAnimelist(outDir, opts, catalogue);
  return {
    files: [anime, synopses.file, statuses, list.file],
    expectedRejects: {
      "anime.csv": {},
      "anime_with_synopsis.csv": { unknown_anime_id: synopses.orphans },
      "watching_status.csv": {},
      "animelist.csv": {
        unknown_watching_status: list.badStatuses,
        unknown_anime_id: list.orphans,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Options

interface ResolvedOptions {
  animelistRows: number;
  animeRows: number;
  format: DatasetFormat;
  seed: number;
  gzip: boolean;
}

const DEFAULT_ANIME_ROWS = 17_562;
const DEFAULT_SEED = 2020;

/**
 * Largest sizes the generator accepts: 1,000,000 anime (57 times the real anime.csv; about 1.5 GB of
 * memory, which grows with the catalogue) and 1,000,000,000 animelist rows (9 times the real
 * 109 million; about 40 GB of CSV, memory stays flat).
 */
export const DATASET_LIMITS = Object.freeze({ animeRows: 1_000_000, animelistRows: 1_000_000_000 });

function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const resolved = {
    animelistRows: options.animelistRows,
    animeRows: options.animeRows ?? DEFAULT_ANIME_ROWS,
    format: options.format ?? "modified",
    seed: options.seed ?? DEFAULT_SEED,
    gzip: options.gzip ?? false,
  };
  requireInteger("animelistRows", resolved.animelistRows, 0, DATASET_LIMITS.animelistRows);
  requireInteger("animeRows", resolved.animeRows, 1, DATASET_LIMITS.animeRows);
  requireInteger("seed", resolved.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (resolved.format !== "modified" && resolved.format !== "kaggle") {
    throw new RangeError(`format must be "modified" or "kaggle", got ${String(resolved.format)}`);
  }
  return resolved;
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** Independent PRNG streams, so changing one file's recipe does not reshuffle the others. */
enum Stream {
  Catalogue = 1,
  Synopsis,
  Users,
  Rows,
  Dirt,
  Shuffle,
}

/** sfc32 seeded through a murmur3 finaliser: fast, 128-bit state, no Math.random. */
class Rng {
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

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`index ${index} outside 0..${items.length - 1}`);
  return item;
}

/** Draws from a short list of (value, weight) pairs. */
class Weighted<T> {
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
class AliasTable {
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
function distinctIndices(rng: Rng, n: number, k: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, n)) chosen.add(rng.int(n));
  return [...chosen];
}

// ---------------------------------------------------------------------------------------------
// Vocabulary (real MAL values where they are a closed set)

/** Splits a comma-separated word list, which keeps long vocabularies compact in source. */
function vocab(text: string): string[] {
  return text.split(",").map((word) => word.trim());
}

const GENRES = vocab(`
  Action, Adventure, Cars, Comedy, Dementia, Demons, Drama, Ecchi, Fantasy, Game, Harem,
  Hentai, Historical, Horror, Josei, Kids, Magic, Martial Arts, Mecha, Military, Music,
  Mystery, Parody, Police, Psychological, Romance, Samurai, School, Sci-Fi, Seinen, Shoujo,
  Shoujo Ai, Shounen, Shounen Ai, Slice of Life, Space, Sports, Super Power, Supernatural,
  Thriller, Vampire, Yaoi, Yuri
`);

/** Rough share of MAL titles carrying each genre; Hentai is tied to the Rx rating instead. */
const GENRE_WEIGHTS: Record<string, number> = {
  Comedy: 30,
  Action: 22,
  Fantasy: 15,
  Adventure: 14,
  Kids: 11,
  Drama: 11,
  "Sci-Fi": 13,
  Music: 8,
  Shounen: 11,
  "Slice of Life": 9,
  Romance: 9,
  School: 8,
  Supernatural: 8,
  Mecha: 6,
  Historical: 5,
  Seinen: 5,
  Magic: 5,
  Ecchi: 4,
  Mystery: 4,
  Shoujo: 4,
  Parody: 3,
  Sports: 3,
  "Super Power": 3,
  Space: 3,
  Military: 3,
  Harem: 2,
  Horror: 2,
  Demons: 2,
  Dementia: 2,
  Psychological: 2,
  "Martial Arts": 2,
  Game: 1,
  Police: 1,
  Samurai: 1,
  Josei: 0.6,
  Thriller: 0.5,
  Vampire: 0.6,
  Cars: 0.4,
  "Shounen Ai": 0.5,
  "Shoujo Ai": 0.4,
  Yaoi: 0.3,
  Yuri: 0.2,
  Hentai: 0,
};

const GENRE_DRAW = new Weighted(GENRES.map((g) => [g, GENRE_WEIGHTS[g] ?? 0] as const));

const TYPES = new Weighted(
  [
    ["TV", 4996],
    ["OVA", 3894],
    ["Movie", 3041],
    ["Special", 2218],
    ["ONA", 1907],
    ["Music", 1469],
    ["Unknown", 37],
  ] as const,
);

const RX = "Rx - Hentai";
const G = "G - All Ages";
const RATINGS = new Weighted(
  [
    ["PG-13 - Teens 13 or older", 36],
    [G, 17],
    ["PG - Children", 10],
    ["R - 17+ (violence & profanity)", 9],
    ["R+ - Mild Nudity", 8],
    [RX, 7],
    ["Unknown", 3],
  ] as const,
);

const SOURCES = new Weighted(
  [
    ["Original", 30],
    ["Manga", 30],
    ["Unknown", 6],
    ["Light novel", 5],
    ["Game", 4],
    ["Visual novel", 4],
    ["Novel", 3],
    ["Other", 3],
    ["Music", 3],
    ["Web manga", 2],
    ["4-koma manga", 2],
    ["Picture book", 1],
    ["Book", 1],
    ["Card game", 1],
    ["Digital manga", 0.3],
    ["Radio", 0.2],
  ] as const,
);

const PRODUCERS = vocab(`
  Bandai Visual, Aniplex, Dentsu, TV Tokyo, Fuji TV, Lantis, Movic, Pony Canyon,
  Kadokawa Shoten, Shueisha, Genco, Frontier Works, Mainichi Broadcasting System, AT-X,
  Sotsu, Toho, Avex Pictures, Nihon Ad Systems, Starchild Records, Victor Entertainment,
  Yomiuri Telecasting, Sony Music Entertainment, Half H.P Studio, Magic Capsule, NHK,
  Square Enix, Media Factory, Kodansha, Shogakukan-Shueisha Productions, DAX Production
`);

const LICENSORS = vocab(`
  Funimation, Sentai Filmworks, Aniplex of America, VIZ Media, Discotek Media, Crunchyroll,
  Bandai Entertainment, 4Kids Entertainment, ADV Films, Media Blasters,
  Geneon Entertainment USA, Maiden Japan, Nozomi Entertainment, Right Stuf,
  Warner Bros. Pictures
`);

const STUDIOS = vocab(`
  Sunrise, Toei Animation, J.C.Staff, Madhouse, Production I.G, Studio Deen,
  TMS Entertainment, Pierrot, A-1 Pictures, OLM, Shaft, Bones, Kyoto Animation, Gonzo,
  Xebec, Tatsunoko Production, Nippon Animation, Brain's Base, Satelight, Studio Ghibli,
  ufotable, White Fox, Wit Studio, MAPPA, Trigger, P.A. Works, Silver Link., Doga Kobo,
  Lerche, Studio Gokumi
`);

const ROMAJI = vocab(`
  Kimi, Sora, Hoshi, Yume, Tsubasa, Kaze, Hikari, Mahou, Shoujo, Senki, Densetsu,
  Monogatari, Gakuen, Kanojo, Sekai, Tenshi, Akuma, Kami, Neko, Ookami, Sakura, Tsuki, Umi,
  Kokoro, Mirai, Kiseki, Shinigami, Yuusha, Maou, Hime, Ningen, Boukensha, Majo, Kishi,
  Seishun, Uta, Hana, Yoru, Natsu, Fuyu, Kyojin, Shingeki, Gintama, Bouken, Otome
`);
const PARTICLES = ["no", "no", "no", "to", "wa", "ga", "ni"];
const ENGLISH = vocab(`
  Ghost, Hunter, Knight, Dragon, Star, Blade, Heart, Code, Zero, Legend, Galaxy, Academy,
  Saga, Chronicle, Cowboy, Bebop, Witch, Angel, Beats, Trigger, Steel, Alchemist, Soul,
  Eater, Phantom, Requiem, Princess, Mobile, Suit, Detective, Girls, Panzer, Ace, Wings,
  Titan, Order
`);
const KANA = vocab(`
  カウボーイ, ビバップ, 魔法少女, 物語, 学園, 天使, 星, 空, 夢, ドラゴン, ナイト, 伝説, 戦記, ハンター, 銀魂, 進撃の巨人, 恋, 世界, 猫, 神様,
  魔王, 勇者, 姫, 騎士, 未来, 奇跡, 心, 月, 海, 桜, 翼, 光, 風
`);

/** Real titles that exercise non-ASCII, ';', '/', '!' and friends. */
const SHOWCASE_NAMES = [
  "Gintama°",
  "Steins;Gate",
  "Mahou Shoujo Madoka★Magica",
  "Pokémon: Maboroshi no Pokémon Lugia Bakutan",
  "Tōkyō Magnitude 8.0",
  "Fate/Zero",
  "Re:Zero kara Hajimeru Isekai Seikatsu",
  "K-On!!",
  "Saenai Heroine no Sodatekata ♭",
  "Ookami to Koushinryou II",
  "Kaguya-sama wa Kokurasetai? Tensai-tachi no Renai Zunousen",
  "Shingeki no Kyojin Season 3 Part 2",
  "Uta no☆Prince-sama♪ Maji Love 1000%",
  "Hunter x Hunter (2011)",
];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const SEASONS = ["Winter", "Spring", "Summer", "Fall"];

// ---------------------------------------------------------------------------------------------
// The anime catalogue (small: held in memory, shared by anime.csv, synopses and the lists)

interface Anime {
  id: number;
  name: string;
  score: number | null;
  genres: string;
  english: string;
  japanese: string;
  type: string;
  episodes: number | null;
  aired: string;
  premiered: string;
  producers: string;
  licensors: string;
  studios: string;
  source: string;
  duration: string;
  rating: string;
  ranked: number | null;
  popularity: number;
  members: number;
  favorites: number;
  watching: number;
  completed: number;
  onHold: number;
  dropped: number;
  planToWatch: number;
  /** Votes for 10 down to 1; an empty bucket is written `Unknown`, as in the scrape. */
  votes: number[];
}

interface Catalogue {
  anime: Anime[];
  /** Ids guaranteed absent from anime.csv: some from the gaps, a few above the largest id. */
  absentIds: number[];
}

function buildCatalogue(count: number, rng: Rng): Catalogue {
  const ids = malIds(count, rng);
  const usedNames = new Set<string>();
  const anime = ids.map((id) => describeAnime(id, rng, usedNames));
  forceShowcase(anime, rng);
  assignAudience(anime, rng);
  assignRanks(anime);
  return { anime, absentIds: absentIds(ids, rng) };
}

/** Increasing ids with MAL-like gaps (17,562 titles span ids 1..48,492). */
function malIds(count: number, rng: Rng): number[] {
  const ids: number[] = [];
  for (let id = 1; ids.length < count;) {
    ids.push(id);
    id += rng.chance(0.6) ? 1 : 2 + Math.floor(-Math.log(1 - rng.float()) * 3.4);
  }
  return ids;
}

function absentIds(ids: number[], rng: Rng): number[] {
  const present = new Set(ids);
  const maxId = ids[ids.length - 1] ?? 0;
  const gaps: number[] = [];
  for (let tries = 0; tries < 4096 && gaps.length < 256; tries++) {
    const id = 1 + rng.int(maxId);
    if (!present.has(id) && !gaps.includes(id)) gaps.push(id);
  }
  // Enough that one list, however long, never runs out of distinct absent ids for its dirt.
  const aboveMax = Array.from(
    { length: 32 + Math.ceil(ids.length / DIRT_WINDOW) },
    (_, i) => maxId + 1 + i,
  );
  return [...gaps, ...aboveMax];
}

function describeAnime(id: number, rng: Rng, usedNames: Set<string>): Anime {
  const type = TYPES.draw(rng);
  const episodes = drawEpisodes(type, rng);
  const rating = type === "Music" && rng.chance(0.7) ? G : RATINGS.draw(rng);
  const start = drawStart(rng);
  const scored = type !== "Unknown" && rng.chance(0.8);
  return {
    id,
    name: uniqueName(id, type, rng, usedNames),
    score: scored ? clamp(6.5 + 0.85 * rng.normal(), 1.85, 9.19) : null,
    genres: drawGenres(rating, rng),
    english: rng.chance(0.55) ? "Unknown" : englishTitle(rng),
    japanese: rng.chance(0.03) ? "Unknown" : japaneseTitle(rng),
    type,
    episodes,
    aired: airedText(start, episodes, rng),
    premiered: type === "TV" && start.month >= 0
      ? `${seasonOf(start.month)} ${start.year}`
      : "Unknown",
    producers: listOrUnknown(PRODUCERS, 0.35, 5, rng),
    licensors: listOrUnknown(LICENSORS, 0.75, 2, rng),
    studios: listOrUnknown(STUDIOS, 0.1, 2, rng),
    source: SOURCES.draw(rng),
    duration: durationText(type, episodes, rng),
    rating,
    ranked: null,
    popularity: 0,
    members: 0,
    favorites: 0,
    watching: 0,
    completed: 0,
    onHold: 0,
    dropped: 0,
    planToWatch: 0,
    votes: [],
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

const TV_EPISODES = new Weighted(
  [
    [12, 30],
    [13, 14],
    [26, 12],
    [24, 7],
    [25, 5],
    [10, 4],
    [11, 3],
    [51, 3],
    [52, 3],
    [50, 2],
    [39, 2],
    [48, 1],
  ] as const,
);

function drawEpisodes(type: string, rng: Rng): number | null {
  if (type === "Unknown" || rng.chance(0.02)) return null; // still airing or never announced
  switch (type) {
    case "TV":
      if (rng.chance(0.01)) return 100 + Math.floor(Math.exp(5 + rng.normal()) % 1800);
      return rng.chance(0.12) ? 1 + rng.int(100) : TV_EPISODES.draw(rng);
    case "OVA":
      return rng.chance(0.5) ? 1 : 2 + rng.int(rng.chance(0.8) ? 5 : 12);
    case "Special":
      return rng.chance(0.45) ? 1 : 2 + rng.int(11);
    case "ONA":
      return 1 + Math.floor(-Math.log(1 - rng.float()) * 8);
    default: // Movie, Music
      return 1;
  }
}

interface StartDate {
  year: number;
  /** 0-11, or -1 when only the year is known. */
  month: number;
  day: number;
}

function drawStart(rng: Rng): StartDate {
  // Most titles are recent: skew towards 2021 with a long tail back to 1917.
  const year = 2021 - Math.min(104, Math.floor(-Math.log(1 - rng.float()) * 14));
  const month = rng.chance(0.03) ? -1 : rng.int(12);
  return { year, month, day: 1 + rng.int(month < 0 ? 28 : at(MONTH_DAYS, month)) };
}

function formatDate(year: number, month: number, day: number): string {
  return `${at(MONTHS, month)} ${day}, ${year}`;
}

function airedText(start: StartDate, episodes: number | null, rng: Rng): string {
  if (rng.chance(0.02)) return "Unknown";
  if (start.month < 0) return String(start.year);
  const from = formatDate(start.year, start.month, start.day);
  if (episodes === null) return `${from} to ?`;
  if (episodes === 1) return from;
  // Weekly broadcast: about one month per four episodes.
  const months = start.month + Math.max(1, Math.round(((episodes - 1) * 7) / 30.44));
  const endMonth = months % 12;
  const endDay = 1 + rng.int(at(MONTH_DAYS, endMonth));
  return `${from} to ${formatDate(start.year + Math.floor(months / 12), endMonth, endDay)}`;
}

function seasonOf(month: number): string {
  return at(SEASONS, Math.floor(month / 3));
}

function durationText(type: string, episodes: number | null, rng: Rng): string {
  if (type === "Unknown" || rng.chance(0.01)) return "Unknown";
  const minutes = type === "Movie"
    ? 20 + Math.floor(Math.exp(4.3 + 0.4 * rng.normal()) % 160)
    : type === "Music"
    ? 2 + rng.int(4)
    : rng.chance(0.7)
    ? 23 + rng.int(3)
    : 1 + rng.int(50);
  const length = minutes >= 60
    ? `${Math.floor(minutes / 60)} hr. ${minutes % 60} min.`
    : `${minutes} min.`;
  return episodes === 1 ? length : `${length} per ep.`;
}

function drawGenres(rating: string, rng: Rng): string {
  if (rng.chance(0.004)) return "Unknown";
  const chosen = new Set<string>(rating === RX ? ["Hentai"] : []);
  const wanted = 1 + Math.min(6, Math.floor(-Math.log(1 - rng.float()) * 2.2));
  while (chosen.size < wanted) chosen.add(GENRE_DRAW.draw(rng));
  const genres = [...chosen];
  // Most MAL genre lists are alphabetical; older entries (Trigun) are not.
  if (rng.chance(0.75)) genres.sort();
  return genres.join(", ");
}

function listOrUnknown(pool: readonly string[], unknownShare: number, max: number, rng: Rng) {
  if (rng.chance(unknownShare)) return "Unknown";
  const picked = distinctIndices(rng, pool.length, 1 + rng.int(max)).map((i) => at(pool, i));
  return picked.join(", ");
}

function uniqueName(id: number, type: string, rng: Rng, used: Set<string>): string {
  let name = composeName(type, rng);
  for (let tries = 0; used.has(name) && tries < 20; tries++) name = composeName(type, rng);
  // MAL disambiguates clashing titles with a parenthesised suffix.
  if (used.has(name)) name = `${name} (${id})`;
  used.add(name);
  return name;
}

function composeName(type: string, rng: Rng): string {
  const r = () => rng.pick(ROMAJI);
  const e = () => rng.pick(ENGLISH);
  const roll = rng.float();
  const base = roll < 0.35
    ? `${r()} ${rng.pick(PARTICLES)} ${r()}`
    : roll < 0.55
    ? `${r()} ${r()}`
    : roll < 0.75
    ? `${e()} ${e()}`
    : roll < 0.9
    ? `${e()} ${e()}: ${r()} no ${r()}`
    : roll < 0.995
    ? `${r()} ${rng.pick(PARTICLES)} ${r()} ${e()}`
    : `${r()}, ${r()} ${rng.pick(PARTICLES)} ${r()}`;
  return base + nameSuffix(type, rng);
}

function nameSuffix(type: string, rng: Rng): string {
  switch (type) {
    case "Movie":
      return rng.pick([" Movie", ": The Movie", " Movie 2", " Gekijouban", ""]);
    case "OVA":
      return rng.pick([" OVA", " OVA", ": Tokubetsu-hen", ""]);
    case "Special":
      return rng.pick([" Specials", " Picture Drama", " Recap", ": Omake"]);
    case "TV":
      return rng.chance(0.2)
        ? rng.pick([" 2nd Season", " Season 3", " II", "°", "'", " (TV)"])
        : "";
    default:
      return "";
  }
}

function englishTitle(rng: Rng): string {
  const e = () => rng.pick(ENGLISH);
  return rng.chance(0.5) ? `${e()} ${e()}` : `${e()} of the ${e()}`;
}

function japaneseTitle(rng: Rng): string {
  const parts = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(KANA));
  return parts.join(rng.chance(0.4) ? "の" : "") + (rng.chance(0.1) ? "！" : "");
}

/** Guarantees the awkward values a loader must survive, even in tiny catalogues. */
function forceShowcase(anime: Anime[], rng: Rng): void {
  const names = [...SHOWCASE_NAMES];
  const showcase = clamp(Math.round(anime.length / 1000), 1, names.length);
  const duplicates = Math.max(1, Math.round(anime.length / 4400));
  const slots = distinctIndices(rng, anime.length, 3 + showcase + duplicates);
  const [unscored, withComma, withQuotes] = slots.splice(0, 3).map((i) => anime[i]);
  if (unscored) unscored.score = null;
  if (withComma) withComma.name = `${rng.pick(ROMAJI)}, ${rng.pick(ROMAJI)} no ${withComma.name}`;
  if (withQuotes) withQuotes.name = `"${withQuotes.name}" ${rng.pick(["Movie", "Special"])}`;
  for (const [k, i] of slots.splice(0, showcase).entries()) {
    // The first one is always non-ASCII: the encoding path must see such a Name.
    const name = rng.pick(k === 0 ? names.filter((n) => /[\u0080-\uffff]/.test(n)) : names);
    names.splice(names.indexOf(name), 1);
    at(anime, i).name = name;
  }
  // A remake sharing its original's title, like the real file's duplicate Names.
  for (const i of slots) {
    at(anime, i).name = at(anime, (i + 1 + rng.int(anime.length - 1)) % anime.length).name;
  }
}

/** Members follow MAL's popularity curve (log10 members by popularity percentile). */
const MEMBER_CURVE: readonly (readonly [number, number])[] = [
  [0, 6.41],
  [0.006, 6.0],
  [0.057, 5.35],
  [0.285, 4.3],
  [0.57, 3.5],
  [0.97, 2.0],
  [1, 1.3],
];

function membersAt(fraction: number, rng: Rng): number {
  const upper = MEMBER_CURVE.findIndex(([f]) => f >= fraction);
  const [f1, m1] = at(MEMBER_CURVE, Math.max(1, upper));
  const [f0, m0] = at(MEMBER_CURVE, Math.max(0, upper - 1));
  const log10 = f1 === f0 ? m1 : m0 + ((m1 - m0) * (fraction - f0)) / (f1 - f0);
  return Math.max(5, Math.round(10 ** (log10 + 0.05 * rng.normal())));
}

function assignAudience(anime: Anime[], rng: Rng): void {
  // Well-scored TV shows draw the crowds; unscored titles are mostly unaired or obscure.
  const reach = anime.map((a) =>
    1.6 * rng.normal() + (a.score === null ? -3 : (a.score - 6.5) * 0.9) +
    (a.type === "TV" ? 0.8 : a.type === "Music" ? -1 : 0)
  );
  const byReach = anime.map((_, i) => i).sort((x, y) => at(reach, y) - at(reach, x));
  const members = byReach.map((_, r) => membersAt(r / anime.length, rng)).sort((x, y) => y - x);
  byReach.forEach((i, r) => {
    const a = at(anime, i);
    a.popularity = r + 1;
    a.members = at(members, r);
    splitAudience(a, rng);
  });
}

function splitAudience(a: Anime, rng: Rng): void {
  const m = a.members;
  const share = (lo: number, spread: number) => Math.round(m * (lo + spread * rng.float()));
  if (a.score === null) {
    a.completed = share(0, 0.02);
    a.watching = share(0, 0.05);
    a.onHold = share(0, 0.01);
    a.dropped = share(0, 0.01);
  } else {
    a.completed = share(0.45, 0.25);
    a.watching = share(0.03, 0.07);
    a.onHold = share(0.02, 0.04);
    a.dropped = share(0.02, 0.06);
  }
  a.planToWatch = m - a.completed - a.watching - a.onHold - a.dropped;
  const appeal = a.score === null ? 0.1 : Math.exp((a.score - 7) * 1.6);
  a.favorites = Math.round(m * 0.003 * appeal * Math.exp(0.5 * rng.normal()));
  a.votes = votesFor(a);
}

function votesFor(a: Anime): number[] {
  if (a.score === null) return Array.from({ length: 10 }, () => 0);
  const voters = a.completed * 0.85 + a.watching * 0.3;
  const centre = a.score + 0.4;
  const weights = Array.from({ length: 10 }, (_, i) => Math.exp(-((10 - i - centre) ** 2) / 5));
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => Math.round((voters * w) / total));
}

function assignRanks(anime: Anime[]): void {
  // MAL does not rank Rx titles.
  const ranked = anime.filter((a) => a.score !== null && a.rating !== RX);
  ranked.sort((x, y) => (y.score ?? 0) - (x.score ?? 0) || y.members - x.members);
  ranked.forEach((a, r) => (a.ranked = r + 1));
}

// ---------------------------------------------------------------------------------------------
// Byte output: a reusable chunk buffer in front of a plain or gzip file

const CHUNK_BYTES = 1 << 20;
/** Flush once fewer bytes than the longest animelist row could need remain. */
const HIGH_WATER = CHUNK_BYTES - 256;
const COMMA = 44;
const LF = 10;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

async function openSink(path: string, gzip: boolean): Promise<ByteSink> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  if (!gzip) {
    return {
      write: async (chunk) => {
        for (let done = 0; done < chunk.length;) done += await file.write(chunk.subarray(done));
      },
      close: () => Promise.resolve(file.close()),
    };
  }
  const gz = new CompressionStream("gzip");
  const piped = gz.readable.pipeTo(file.writable);
  const writer = gz.writable.getWriter();
  return {
    // A copy, because the caller refills its buffer before the stream is done with it.
    write: (chunk) => writer.write(chunk.slice()),
    close: async () => {
      await writer.close();
      await piped;
    },
  };
}

class ChunkWriter {
  private readonly buf = new Uint8Array(CHUNK_BYTES);
  private readonly encoder = new TextEncoder();
  private pos = 0;

  constructor(private readonly sink: ByteSink) {}

  get nearlyFull(): boolean {
    return this.pos > HIGH_WATER;
  }

  async flush(): Promise<void> {
    if (this.pos > 0) await this.sink.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  async text(s: string): Promise<void> {
    const { read, written } = this.encoder.encodeInto(s, this.buf.subarray(this.pos));
    if (read === s.length) {
      this.pos += written;
      return;
    }
    await this.flush();
    const retry = this.encoder.encodeInto(s, this.buf);
    if (retry.read === s.length) this.pos = retry.written;
    else await this.sink.write(this.encoder.encode(s));
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Decimal digits of a non-negative integer, without a string allocation. */
  uint(n: number): void {
    const buf = this.buf;
    let digits = 1;
    while (digits < POWERS_OF_TEN.length && n >= POWERS_OF_TEN[digits]!) digits++;
    const end = this.pos + digits;
    // Integer division is much cheaper than Math.floor while the value fits 32 bits.
    for (let p = end - 1; p >= this.pos; p--) {
      const q = n < 4294967296 ? (n / 10) >>> 0 : Math.floor(n / 10);
      buf[p] = 48 + n - q * 10;
      n = q;
    }
    this.pos = end;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.sink.close();
  }
}

/** Opens NAME.csv (or .csv.gz), lets `body` fill it, and reports the file. */
async function writeCsvFile(
  outDir: string,
  name: string,
  gzip: boolean,
  body: (w: ChunkWriter) => Promise<number>,
): Promise<GeneratedFile> {
  const fileName = gzip ? `${name}.gz` : name;
  const path = `${outDir}/${fileName}`;
  const w = new ChunkWriter(await openSink(path, gzip));
  let rows: number;
  try {
    rows = await body(w);
  } finally {
    await w.close();
  }
  return { name: fileName, path, rows, bytes: (await Deno.stat(path)).size };
}

/** Minimal quoting (pandas/Python csv QUOTE_MINIMAL): only fields that need it. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The modified format's pandas index column: a leading empty header cell, then 0, 1, 2, ... */
function indexPrefix(format: DatasetFormat, row: number | null): string {
  if (format === "kaggle") return "";
  return row === null ? "," : `${row},`;
}

// ---------------------------------------------------------------------------------------------
// anime.csv

const ANIME_HEADER =
  "MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,Aired,Premiered," +
  "Producers,Licensors,Studios,Source,Duration,Rating,Ranked,Popularity,Members," +
  "Favorites,Watching,Completed,On-Hold,Dropped,Plan to Watch,Score-10,Score-9,Score-8," +
  "Score-7,Score-6,Score-5,Score-4,Score-3,Score-2,Score-1";

function writeAnime(outDir: string, opts: ResolvedOptions, anime: Anime[]) {
  return writeCsvFile(outDir, "anime.csv", opts.gzip, async (w) => {
    await w.text(`${indexPrefix(opts.format, null)}${ANIME_HEADER}\n`);
    for (const [row, a] of anime.entries()) {
      await w.text(`${indexPrefix(opts.format, row)}${animeFields(a).join(",")}\n`);
    }
    return anime.length;
  });
}

function orUnknown(value: number | null, format: (v: number) => string = String): string {
  return value === null ? "Unknown" : format(value);
}

function scoreText(score: number | null): string {
  return orUnknown(score, (s) => s.toFixed(2));
}

function animeFields(a: Anime): string[] {
  return [
    String(a.id),
    csvField(a.name),
    scoreText(a.score),
    csvField(a.genres),
    csvField(a.english),
    csvField(a.japanese),
    a.type,
    orUnknown(a.episodes),
    csvField(a.aired),
    a.premiered,
    csvField(a.producers),
    csvField(a.licensors),
    csvField(a.studios),
    a.source,
    a.duration,
    csvField(a.rating),
    orUnknown(a.ranked),
    ...[a.popularity, a.members, a.favorites, a.watching, a.completed].map(String),
    ...[a.onHold, a.dropped, a.planToWatch].map(String),
    // pandas wrote the vote counts as floats.
    ...a.votes.map((v) => (v === 0 ? "Unknown" : `${v}.0`)),
  ];
}

// ---------------------------------------------------------------------------------------------
// anime_with_synopsis.csv

interface SynopsisRow {
  id: number;
  name: string;
  score: number | null;
  genres: string;
}

const SYNOPSIS_SHARE = 16_214 / 17_562;

async function writeSynopses(outDir: string, opts: ResolvedOptions, catalogue: Catalogue) {
  const rng = new Rng(opts.seed, Stream.Synopsis);
  const rows: SynopsisRow[] = catalogue.anime.filter(() => rng.chance(SYNOPSIS_SHARE));
  const orphanCount = Math.max(1, Math.round(rows.length * 0.002));
  const orphans = distinctIndices(rng, catalogue.absentIds.length, orphanCount).map((i) => ({
    id: at(catalogue.absentIds, i),
    name: composeName("TV", rng),
    score: rng.chance(0.8) ? clamp(6.5 + 0.85 * rng.normal(), 1.85, 9.19) : null,
    genres: drawGenres("", rng),
  }));
  rows.push(...orphans);
  rows.sort((x, y) => x.id - y.id);
  const features = synopsisFeatures(rows.length, rng);
  const file = await writeCsvFile(outDir, "anime_with_synopsis.csv", opts.gzip, async (w) => {
    await w.text(`${indexPrefix(opts.format, null)}MAL_ID,Name,Score,Genres,sypnopsis\n`);
    for (const [i, r] of rows.entries()) {
      const text = synopsis(features.get(i) ?? randomFeatures(rng), rng);
      const fields = [String(r.id), csvField(r.name), scoreText(r.score), csvField(r.genres)];
      await w.text(`${indexPrefix(opts.format, i)}${fields.join(",")},${csvField(text)}\n`);
    }
    return rows.length;
  });
  return { file, orphans: orphans.length };
}

interface Features {
  empty: boolean;
  quote: boolean;
  dash: boolean;
  accent: boolean;
  truncated: boolean;
  /** Paragraph break inside the text: none, "\n\n" or "\r\n\r\n". */
  breakWith: string;
}

function randomFeatures(rng: Rng): Features {
  const lineBreak = rng.float();
  return {
    empty: rng.chance(1 / 2000),
    quote: rng.chance(0.4),
    dash: rng.chance(0.3),
    accent: rng.chance(0.12),
    truncated: rng.chance(0.2),
    breakWith: lineBreak < 0.03 ? "\n\n" : lineBreak < 0.05 ? "\r\n\r\n" : "",
  };
}

/** Pins each rare feature on its own row so that even small files show all of them. */
function synopsisFeatures(rowCount: number, rng: Rng): Map<number, Features> {
  const plain: Features = {
    empty: false,
    quote: false,
    dash: false,
    accent: false,
    truncated: false,
    breakWith: "",
  };
  const pinned: Partial<Features>[] = [
    { breakWith: "\n\n" },
    { breakWith: "\r\n\r\n" },
    { quote: true, dash: true, accent: true },
    { truncated: true },
    ...(rowCount >= 50 ? [{ empty: true }] : []),
  ];
  const slots = distinctIndices(rng, rowCount, pinned.length);
  return new Map(slots.map((row, k) => [row, { ...plain, ...at(pinned, k) }]));
}

const GIVEN = vocab(`
  Spike, Faye, Edward, Vash, Meryl, Robin, Haruka, Shinji, Asuka, Ren, Yuu, Kaori, Takumi,
  Rin, Sakura, Kenji, Hikaru, Mikoto, Shirou, Rémi, Zoë, Jūzō
`);
const FAMILY = vocab(`
  Spiegel, Valentine, Stryfe, Yamada, Tanaka, Kirishima, Hoshino, Takahashi, Ikari, Sena,
  Emiya, Kurosaki, Ōtori
`);

const SLOTS: Record<string, readonly string[]> = {
  place: ["Neo-Tokyo", "Alba City", "the planet Gunsmoke", "a quiet seaside town", "Academy City"],
  org: ["the Inter Solar System Police", "STN Japan Division", "a shadowy syndicate", "the guild"],
  role: ["bounty hunter", "high school student", "craft user", "swordsman", "idol", "detective"],
  adj: ["carefree", "pragmatic", "enigmatic", "hot-headed", "soft-spoken", "reckless"],
  thing: ["a cursed sword", "the last starship", "a forgotten promise", "an ancient artifact"],
  event: [
    "an oil tanker suddenly explodes",
    "a strange disease spreads through the city",
    "a mysterious girl falls from the sky",
    "the school is sealed off from the outside world",
  ],
  goal: [
    "save the people they care about",
    "uncover the truth behind the incident",
    "win the national tournament",
    "find a way back home",
  ],
  nick: ["Cowboys", "The Humanoid Typhoon", "the Black Swordsman", "Shinigami", "the Witch"],
  power: ["ESP, telekinesis, mind control, etc.", "the power to stop time", "a second soul"],
  year: ["2071", "1998", "2199", "3000"],
  accented: ["café", "fiancée", "protégé", "déjà vu", "naïve rival"],
};

const OPENERS = [
  "In the year {year}, humanity has colonized several of the planets and moons of the solar system.",
  "{c1} is a {adj} {role} living in {place}, who wants nothing more than a quiet life.",
  "Witches are individuals with special powers like {power}, and {org} hunts them down.",
  "Long ago, {place} was ruled by a tyrant who possessed {power}.",
  "After losing everything in a single night, {c1} moves to {place} to start over.",
  "Welcome to {place}, where {org} keeps the peace, aided in part by outlaw {role}s.",
  "Everyone in {place} knows the legend of {thing}, but nobody believes it.",
];

const MIDDLES = [
  "However, when {event}, {c1} is forced to {goal}.",
  "Along the way, {c1} meets {c2}, a {adj} {role} with a mysterious past.",
  "Together, they must {goal} before it is too late.",
  "But soon, their misadventures evolve into life-or-death situations as {event}.",
  "With lives at stake and {thing} in sight, {c1} springs into action.",
  "Through their individual investigations, they discover a plot involving {org}.",
  "As {c2} grows closer to {c1}, the line between friend and enemy begins to blur.",
  "{c1} soon learns that nothing in {place} is what it seems.",
  "Meanwhile, {org} has plans of its own.",
  "Now {c1} must decide whether to {goal} or walk away.",
];

const FEATURE_SENTENCES = {
  quote: [
    'Known throughout {place} as "{nick}," {c1} leaves a trail of destruction wherever they go.',
    'The ragtag team aboard the ship calls itself "{nick}."',
  ],
  dash: [
    "Another day, another bounty—such is the life of {c1} and {c2}.",
    "{c1} can count on one thing—{thing} never stays lost for long.",
  ],
  accent: [
    "At a small {accented} in {place}, {c1} meets {c2}, whose only wish is to {goal}.",
    "{c1}’s {accented} turns out to be the key to {thing}.",
  ],
};

const TAGS = ["(Source: ANN)", "[Written by MAL Rewrite]", "(Source: Crunchyroll)"];

function synopsis(f: Features, rng: Rng): string {
  if (f.empty) return "";
  const cast = { c1: characterName(rng), c2: characterName(rng) };
  const sentences = [rng.pick(OPENERS)];
  for (const i of distinctIndices(rng, MIDDLES.length, 2 + rng.int(4))) {
    sentences.push(at(MIDDLES, i));
  }
  if (f.quote) sentences.splice(1, 0, rng.pick(FEATURE_SENTENCES.quote));
  if (f.dash) sentences.push(rng.pick(FEATURE_SENTENCES.dash));
  if (f.accent) sentences.push(rng.pick(FEATURE_SENTENCES.accent));
  let text = sentences.map((s) => fillTemplate(s, cast, rng)).join(" ");
  if (f.breakWith) text = text.replace(/\. (?=[A-Z])/, `.${f.breakWith}`);
  if (rng.chance(0.25)) text += ` ${rng.pick(TAGS)}`;
  return f.truncated ? truncateStart(text, rng) : text;
}

function characterName(rng: Rng): string {
  return `${rng.pick(GIVEN)} ${rng.pick(FAMILY)}`;
}

function fillTemplate(template: string, cast: Record<string, string>, rng: Rng): string {
  return template.replace(
    /\{(\w+)\}/g,
    (_, slot: string) => cast[slot] ?? rng.pick(SLOTS[slot] ?? []),
  );
}

/** The scrape lost the first characters of some synopses: start mid-word, in lowercase. */
function truncateStart(text: string, rng: Rng): string {
  let cut = 1 + rng.int(5);
  while (cut < text.length - 1 && !/[a-z]/.test(text.charAt(cut))) cut++;
  return text.slice(cut);
}

// ---------------------------------------------------------------------------------------------
// watching_status.csv (the real file's exact bytes: note the header space, no code 5, no final LF)

const WATCHING_STATUSES = [
  [1, "Currently Watching"],
  [2, "Completed"],
  [3, "On Hold"],
  [4, "Dropped"],
  [6, "Plan to Watch"],
] as const;

function writeWatchingStatus(outDir: string, opts: ResolvedOptions) {
  return writeCsvFile(outDir, "watching_status.csv", opts.gzip, async (w) => {
    const lines = [
      `${indexPrefix(opts.format, null)}status, description`,
      ...WATCHING_STATUSES.map(([code, text], i) =>
        `${indexPrefix(opts.format, i)}${code},${text}`
      ),
    ];
    await w.text(lines.join("\n"));
    return WATCHING_STATUSES.length;
  });
}

// ---------------------------------------------------------------------------------------------
// animelist.csv: streamed user by user; the modified format is shuffled through spill files

/** The capstone's copy kept 8,000,000 of the full file's 109,224,747 rows. */
const SAMPLE_FRACTION = 8_000_000 / 109_224_747;
const LIST_MEDIAN = 200;
/** Each window of rows gets exactly one orphan anime id and three undefined statuses. */
const DIRT_WINDOW = 1000;
const BAD_STATUSES_PER_WINDOW = 3;

enum Dirt {
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
class DirtSchedule {
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
    this.takenBy = new Int32Array(cat.ids.length + cat.absentIds.length).fill(-1);
  }

  fill(count: number): void {
    const { rng, cat } = this;
    this.list++;
    const bias = 0.7 * rng.normal();
    for (let j = 0; j < count; j++) {
      const dirt = this.dirt.next();
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

async function writeAnimelist(outDir: string, opts: ResolvedOptions, catalogue: Catalogue) {
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
      await writeGroupedByUser(w, fullUsers(usersRng, opts.animelistRows, cap), lists);
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
async function writeGroupedByUser(w: ChunkWriter, users: Iterable<UserRows>, lists: UserList) {
  const order = new Int32Array(lists.anime.length);
  for (const { user, count } of users) {
    lists.fill(count);
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
