// Owns writing anime_with_synopsis.csv: templated synopses with the real file's quirks.
import { scoreText } from "./_anime_file.ts";
import { type Catalogue, clamp, composeName, drawGenres } from "./_catalogue.ts";
import { csvField, indexPrefix, writeCsvFile } from "./_csv_output.ts";
import type { ResolvedOptions } from "./_options.ts";
import { at, distinctIndices, Rng, Stream } from "./_random.ts";
import { vocab } from "./_vocabulary.ts";

interface SynopsisRow {
  id: number;
  name: string;
  score: number | null;
  genres: string;
}

const SYNOPSIS_SHARE = 16_214 / 17_562;

export async function writeSynopses(outDir: string, opts: ResolvedOptions, catalogue: Catalogue) {
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
