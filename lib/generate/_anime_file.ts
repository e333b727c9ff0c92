// Owns writing anime.csv from the catalogue.
import type { Anime } from "./_catalogue.ts";
import { csvField, indexPrefix, writeCsvFile } from "./_csv_output.ts";
import type { ResolvedOptions } from "./_options.ts";

const ANIME_HEADER =
  "MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,Aired,Premiered," +
  "Producers,Licensors,Studios,Source,Duration,Rating,Ranked,Popularity,Members," +
  "Favorites,Watching,Completed,On-Hold,Dropped,Plan to Watch,Score-10,Score-9,Score-8," +
  "Score-7,Score-6,Score-5,Score-4,Score-3,Score-2,Score-1";

export function writeAnime(outDir: string, opts: ResolvedOptions, anime: Anime[]) {
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

export function scoreText(score: number | null): string {
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
