// Owns the anime catalogue: titles, dates, audience and ranks, held in memory and shared by all files.
import { at, distinctIndices, Rng, Weighted } from "./_random.ts";
import {
  ENGLISH,
  G,
  GENRE_DRAW,
  KANA,
  LICENSORS,
  MONTH_DAYS,
  MONTHS,
  PARTICLES,
  PRODUCERS,
  RATINGS,
  ROMAJI,
  RX,
  SEASONS,
  SHOWCASE_NAMES,
  SOURCES,
  STUDIOS,
  TYPES,
} from "./_vocabulary.ts";

export interface Anime {
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

export interface Catalogue {
  anime: Anime[];
  /** Ids guaranteed absent from anime.csv: some from the gaps, a few above the largest id. */
  absentIds: number[];
}

export function buildCatalogue(count: number, rng: Rng): Catalogue {
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

export function clamp(x: number, lo: number, hi: number): number {
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

export function drawGenres(rating: string, rng: Rng): string {
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

export function composeName(type: string, rng: Rng): string {
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

/** Each window of rows gets exactly one orphan anime id and three undefined statuses. */
export const DIRT_WINDOW = 1000;
