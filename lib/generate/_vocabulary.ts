// Owns the generator's vocabularies: real MAL values where they are a closed set, word lists elsewhere.
import { Weighted } from "./_random.ts";

/** Splits a comma-separated word list, which keeps long vocabularies compact in source. */
export function vocab(text: string): string[] {
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

export const GENRE_DRAW = new Weighted(GENRES.map((g) => [g, GENRE_WEIGHTS[g] ?? 0] as const));

export const TYPES = new Weighted(
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

export const RX = "Rx - Hentai";
export const G = "G - All Ages";
export const RATINGS = new Weighted(
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

export const SOURCES = new Weighted(
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

export const PRODUCERS = vocab(`
  Bandai Visual, Aniplex, Dentsu, TV Tokyo, Fuji TV, Lantis, Movic, Pony Canyon,
  Kadokawa Shoten, Shueisha, Genco, Frontier Works, Mainichi Broadcasting System, AT-X,
  Sotsu, Toho, Avex Pictures, Nihon Ad Systems, Starchild Records, Victor Entertainment,
  Yomiuri Telecasting, Sony Music Entertainment, Half H.P Studio, Magic Capsule, NHK,
  Square Enix, Media Factory, Kodansha, Shogakukan-Shueisha Productions, DAX Production
`);

export const LICENSORS = vocab(`
  Funimation, Sentai Filmworks, Aniplex of America, VIZ Media, Discotek Media, Crunchyroll,
  Bandai Entertainment, 4Kids Entertainment, ADV Films, Media Blasters,
  Geneon Entertainment USA, Maiden Japan, Nozomi Entertainment, Right Stuf,
  Warner Bros. Pictures
`);

export const STUDIOS = vocab(`
  Sunrise, Toei Animation, J.C.Staff, Madhouse, Production I.G, Studio Deen,
  TMS Entertainment, Pierrot, A-1 Pictures, OLM, Shaft, Bones, Kyoto Animation, Gonzo,
  Xebec, Tatsunoko Production, Nippon Animation, Brain's Base, Satelight, Studio Ghibli,
  ufotable, White Fox, Wit Studio, MAPPA, Trigger, P.A. Works, Silver Link., Doga Kobo,
  Lerche, Studio Gokumi
`);

export const ROMAJI = vocab(`
  Kimi, Sora, Hoshi, Yume, Tsubasa, Kaze, Hikari, Mahou, Shoujo, Senki, Densetsu,
  Monogatari, Gakuen, Kanojo, Sekai, Tenshi, Akuma, Kami, Neko, Ookami, Sakura, Tsuki, Umi,
  Kokoro, Mirai, Kiseki, Shinigami, Yuusha, Maou, Hime, Ningen, Boukensha, Majo, Kishi,
  Seishun, Uta, Hana, Yoru, Natsu, Fuyu, Kyojin, Shingeki, Gintama, Bouken, Otome
`);
export const PARTICLES = ["no", "no", "no", "to", "wa", "ga", "ni"];
export const ENGLISH = vocab(`
  Ghost, Hunter, Knight, Dragon, Star, Blade, Heart, Code, Zero, Legend, Galaxy, Academy,
  Saga, Chronicle, Cowboy, Bebop, Witch, Angel, Beats, Trigger, Steel, Alchemist, Soul,
  Eater, Phantom, Requiem, Princess, Mobile, Suit, Detective, Girls, Panzer, Ace, Wings,
  Titan, Order
`);
export const KANA = vocab(`
  カウボーイ, ビバップ, 魔法少女, 物語, 学園, 天使, 星, 空, 夢, ドラゴン, ナイト, 伝説, 戦記, ハンター, 銀魂, 進撃の巨人, 恋, 世界, 猫, 神様,
  魔王, 勇者, 姫, 騎士, 未来, 奇跡, 心, 月, 海, 桜, 翼, 光, 風
`);

/** Real titles that exercise non-ASCII, ';', '/', '!' and friends. */
export const SHOWCASE_NAMES = [
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

export const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];
export const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export const SEASONS = ["Winter", "Spring", "Summer", "Fall"];
