// Tests for the synthetic dataset generator: determinism, exact layout, promised dirt, gzip, CLI.
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import {
  type DatasetFormat,
  generateDataset,
  type GeneratedDataset,
  type GenerateOptions,
} from "../lib/generate/generate_dataset.ts";

const FORMATS: DatasetFormat[] = ["modified", "kaggle"];
const SMALL = { animelistRows: 5_000, animeRows: 400 } as const;
const FILES = ["anime.csv", "anime_with_synopsis.csv", "watching_status.csv", "animelist.csv"];
const ANIME_HEADER = "MAL_ID,Name,Score,Genres,English name,Japanese name,Type,Episodes,Aired," +
  "Premiered,Producers,Licensors,Studios,Source,Duration,Rating,Ranked,Popularity,Members," +
  "Favorites,Watching,Completed,On-Hold,Dropped,Plan to Watch,Score-10,Score-9,Score-8,Score-7," +
  "Score-6,Score-5,Score-4,Score-3,Score-2,Score-1";
const CLI = new URL("../lib/cli/gen_data.ts", import.meta.url).pathname;
const PROJECT_ROOT = new URL("..", import.meta.url).pathname;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gen-data-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function text(dir: string, name: string): string {
  return Deno.readTextFileSync(`${dir}/${name}`);
}

function firstLine(content: string): string {
  return content.slice(0, content.indexOf("\n"));
}

/** A parsed CSV file with columns looked up by header name, as the pipeline does. */
class Table {
  readonly header: string[];
  readonly rows: string[][];

  constructor(content: string) {
    const records = parse(content, { relax_column_count: true }) as string[][];
    this.header = records[0] ?? [];
    this.rows = records.slice(1);
  }

  column(name: string): string[] {
    const i = this.header.indexOf(name);
    assert.ok(i >= 0, `no column ${name} in ${this.header.join(",")}`);
    return this.rows.map((r) => r[i] ?? "");
  }
}

function tables(dir: string): Record<string, Table> {
  return Object.fromEntries(FILES.map((name) => [name, new Table(text(dir, name))]));
}

function rowCounts(ds: GeneratedDataset): Record<string, number> {
  return Object.fromEntries(ds.files.map((f) => [f.name, f.rows]));
}

Deno.test("generateDataset is deterministic per seed", async (t) => {
  for (const format of FORMATS) {
    await t.step(format, async () => {
      await withTempDir(async (dir) => {
        const options = { ...SMALL, format, seed: 7 };
        await generateDataset(`${dir}/a`, options);
        await generateDataset(`${dir}/b`, options);
        await generateDataset(`${dir}/c`, { ...options, seed: 8 });
        for (const name of FILES) {
          const a = await Deno.readFile(`${dir}/a/${name}`);
          assert.deepEqual(await Deno.readFile(`${dir}/b/${name}`), a, `${name} differs`);
        }
        for (const name of ["anime.csv", "anime_with_synopsis.csv", "animelist.csv"]) {
          assert.notEqual(text(`${dir}/c`, name), text(`${dir}/a`, name), `${name} ignores seed`);
        }
      });
    });
  }
});

Deno.test("generated files have the exact headers and line endings", async (t) => {
  const cases = [
    {
      format: "kaggle",
      index: "",
      statuses: "status, description\n1,Currently Watching\n2,Completed\n3,On Hold\n" +
        "4,Dropped\n6,Plan to Watch",
    },
    {
      format: "modified",
      index: ",",
      statuses: ",status, description\n0,1,Currently Watching\n1,2,Completed\n2,3,On Hold\n" +
        "3,4,Dropped\n4,6,Plan to Watch",
    },
  ] as const;
  for (const { format, index, statuses } of cases) {
    await t.step(format, async () => {
      await withTempDir(async (dir) => {
        await generateDataset(dir, { animelistRows: 300, animeRows: 60, format });
        assert.equal(firstLine(text(dir, "anime.csv")), index + ANIME_HEADER);
        assert.equal(
          firstLine(text(dir, "anime_with_synopsis.csv")),
          `${index}MAL_ID,Name,Score,Genres,sypnopsis`,
        );
        assert.equal(
          firstLine(text(dir, "animelist.csv")),
          `${index}user_id,anime_id,rating,watching_status,watched_episodes`,
        );
        assert.equal(text(dir, "watching_status.csv"), statuses, "watching_status.csv bytes");
        for (const name of FILES) {
          const bytes = await Deno.readFile(`${dir}/${name}`);
          assert.notDeepEqual(bytes.subarray(0, 3), new Uint8Array([0xef, 0xbb, 0xbf]), "BOM");
          assert.equal(bytes.at(-1) === 0x0a, name !== "watching_status.csv", `${name} last LF`);
          assert.ok(!firstLine(text(dir, name)).endsWith("\r"), `${name} uses CRLF`);
        }
      });
    });
  }
});

Deno.test("generated files parse and carry exactly the promised dirt", async (t) => {
  for (const format of FORMATS) {
    await t.step(format, async (t) => {
      await withTempDir(async (dir) => {
        const ds = await generateDataset(dir, { ...SMALL, format });
        const csv = tables(dir);
        const anime = csv["anime.csv"]!;
        const synopses = csv["anime_with_synopsis.csv"]!;
        const list = csv["animelist.csv"]!;
        const animeIds = new Set(anime.column("MAL_ID"));

        await t.step("every record has the header's field count; rows match", () => {
          const counts = rowCounts(ds);
          for (const name of FILES) {
            const table = csv[name]!;
            const bad = table.rows.filter((r) => r.length !== table.header.length);
            assert.equal(bad.length, 0, `${name}: ${JSON.stringify(bad[0])}`);
            assert.equal(table.rows.length, counts[name], `${name} row count`);
          }
          assert.deepEqual(counts, {
            "anime.csv": SMALL.animeRows,
            "anime_with_synopsis.csv": synopses.rows.length,
            "watching_status.csv": 5,
            "animelist.csv": SMALL.animelistRows,
          });
        });

        await t.step("anime MAL_IDs are unique and increasing with gaps", () => {
          const ids = anime.column("MAL_ID").map(Number);
          assert.equal(animeIds.size, ids.length);
          assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), "not increasing");
          assert.ok(ids.at(-1)! > ids.length, "no gaps");
        });

        await t.step("animelist is all integers with no duplicate (user, anime) pair", () => {
          assert.ok(list.rows.every((r) => r.every((v) => /^\d+$/.test(v))), "non-integer");
          const pairs = new Set(list.rows.map((r) => `${r.at(-5)}:${r.at(-4)}`));
          assert.equal(pairs.size, list.rows.length);
          assert.ok(list.column("rating").every((r) => Number(r) <= 10));
        });

        await t.step("dirt counts equal expectedRejects", () => {
          const statuses = list.column("watching_status");
          const badStatus = statuses.filter((s) => s === "0" || s === "5").length;
          const orphans = list.column("anime_id").filter((id) => !animeIds.has(id)).length;
          const synopsisOrphans = synopses.column("MAL_ID").filter((id) => !animeIds.has(id));
          assert.deepEqual(ds.expectedRejects, {
            "anime.csv": {},
            "anime_with_synopsis.csv": { unknown_anime_id: synopsisOrphans.length },
            "watching_status.csv": {},
            "animelist.csv": { unknown_watching_status: badStatus, unknown_anime_id: orphans },
          });
          // One unknown anime id and three undefined statuses in every 1000 rows.
          assert.equal(orphans, SMALL.animelistRows / 1000);
          assert.equal(badStatus, (3 * SMALL.animelistRows) / 1000);
          assert.ok(synopsisOrphans.length >= 1);
        });

        await t.step("no row is dirty twice", () => {
          const status = list.header.indexOf("watching_status");
          const animeId = list.header.indexOf("anime_id");
          const both = list.rows.filter((r) =>
            ["0", "5"].includes(r[status]!) && !animeIds.has(r[animeId]!)
          );
          assert.equal(both.length, 0);
        });

        await t.step("synopses repeat anime.csv's Name, Score and Genres", () => {
          const byId = new Map(anime.rows.map((r) => [r[anime.header.indexOf("MAL_ID")], r]));
          const cols = ["Name", "Score", "Genres"].map((c) =>
            [c, anime.header.indexOf(c)] as const
          );
          for (const row of synopses.rows) {
            const source = byId.get(row[synopses.header.indexOf("MAL_ID")]);
            for (const [name, i] of source ? cols : []) {
              assert.equal(row[synopses.header.indexOf(name)], source![i], name);
            }
          }
        });

        await t.step("awkward real-world values are present", () => {
          const raw = text(dir, "anime_with_synopsis.csv");
          const texts = synopses.column("sypnopsis");
          const names = anime.column("Name");
          const scoreN = ["Score-10", "Score-5", "Score-1"].flatMap((c) => anime.column(c));
          assert.ok(texts.some((s) => /[^\r]\n/.test(s)), "synopsis with \\n");
          assert.ok(texts.some((s) => s.includes("\r\n")), "synopsis with \\r\\n");
          assert.ok(raw.includes('""'), "doubled quotes");
          assert.ok(texts.some((s) => /^[a-z]/.test(s)), "synopsis starting mid-word");
          assert.ok(texts.some((s) => s === ""), "empty synopsis");
          assert.ok(texts.some((s) => /[—’é]/.test(s)), "non-ASCII punctuation");
          assert.ok(names.some((n) => /[\u0080-\uffff]/.test(n)), "non-ASCII name");
          assert.ok(names.some((n) => n.includes(",")), "name with a comma");
          assert.ok(names.some((n) => n.includes('"')), "name with a quote");
          assert.ok(new Set(names).size < names.length, "duplicate name");
          assert.ok(anime.column("Score").includes("Unknown"), "Unknown score");
          assert.ok(scoreN.includes("Unknown"), "Unknown Score-N");
          assert.ok(scoreN.some((v) => /^\d+\.0$/.test(v)), "float Score-N");
          assert.ok(anime.column("Genres").some((g) => /^\w[\w -]*, /.test(g)), "genre list");
        });

        await t.step("row order follows the format", () => {
          const users = list.column("user_id").map(Number);
          const sameAsPrevious = users.filter((u, i) => i > 0 && u === users[i - 1]).length;
          if (format === "kaggle") {
            assert.ok(users.every((u, i) => i === 0 || u >= users[i - 1]!), "not grouped");
            return;
          }
          assert.ok(sameAsPrevious < users.length * 0.1, `grouped: ${sameAsPrevious}`);
          const index = list.rows.map((r) => Number(r[0]));
          assert.equal(new Set(index).size, index.length, "index values repeat");
          assert.ok(Math.max(...index) > SMALL.animelistRows, "index is not notional positions");
          assert.deepEqual(anime.rows.map((r) => Number(r[0])), anime.rows.map((_, i) => i));
        });
      });
    });
  }
});

Deno.test("gzip writes .csv.gz files that gunzip to the plain bytes", async (t) => {
  for (const format of FORMATS) {
    await t.step(format, async () => {
      await withTempDir(async (dir) => {
        const options = { animelistRows: 3_000, animeRows: 200, format };
        const plain = await generateDataset(`${dir}/plain`, options);
        const zipped = await generateDataset(`${dir}/gz`, { ...options, gzip: true });
        assert.deepEqual(zipped.files.map((f) => f.name), FILES.map((n) => `${n}.gz`));
        assert.deepEqual(zipped.expectedRejects, plain.expectedRejects);
        for (const name of FILES) {
          const file = await Deno.open(`${dir}/gz/${name}.gz`);
          const unzipped = file.readable.pipeThrough(new DecompressionStream("gzip"));
          const bytes = new Uint8Array(await new Response(unzipped).arrayBuffer());
          assert.deepEqual(bytes, await Deno.readFile(`${dir}/plain/${name}`), name);
        }
      });
    });
  }
});

Deno.test("generateDataset rejects bad options", async (t) => {
  const cases: [string, GenerateOptions, RegExp][] = [
    ["negative rows", { animelistRows: -1 }, /animelistRows/],
    ["fractional rows", { animelistRows: 1.5 }, /animelistRows/],
    ["no anime", { animelistRows: 10, animeRows: 0 }, /animeRows/],
    [
      "more anime than the bound",
      { animelistRows: 10, animeRows: 9007199254740991 },
      /^RangeError: animeRows must be an integer from 1 to 1000000, got 9007199254740991$/,
    ],
    [
      "more animelist rows than the bound",
      { animelistRows: 1_000_000_001 },
      /^RangeError: animelistRows must be an integer from 0 to 1000000000, got 1000000001$/,
    ],
    ["unknown format", { animelistRows: 10, format: "bogus" as DatasetFormat }, /format/],
  ];
  for (const [label, options, message] of cases) {
    await t.step(label, async () => {
      await assert.rejects(generateDataset("/nonexistent/never-written", options), message);
    });
  }
});

async function runCli(args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", CLI, ...args],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("gen_data CLI", async (t) => {
  await t.step("writes the four files and reports them", async () => {
    await withTempDir(async (dir) => {
      const out = await runCli(["--out", dir, "--animelist-rows", "1000"]);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const report = new TextDecoder().decode(out.stdout);
      for (const name of FILES) {
        assert.ok((await Deno.stat(`${dir}/${name}`)).isFile, name);
        assert.match(report, new RegExp(`${name.replace(".", "\\.")} +\\d+ rows`));
      }
      assert.match(report, / in \d+\.\d s/);
    });
  });

  const bad: [string, string[], string][] = [
    ["missing --out", ["--animelist-rows", "10"], "--out"],
    [
      "bogus --format",
      ["--out", "/tmp/x", "--animelist-rows", "10", "--format", "bogus"],
      "--format",
    ],
    [
      "negative --animelist-rows",
      ["--out", "/tmp/x", "--animelist-rows", "-5"],
      "--animelist-rows",
    ],
    ["missing --animelist-rows", ["--out", "/tmp/x"], "--animelist-rows"],
    ["unknown flag", ["--out", "/tmp/x", "--animelist-rows", "1", "--bogus"], "--bogus"],
    [
      "--anime-rows beyond its bound",
      ["--out", "/tmp/x", "--animelist-rows", "10", "--anime-rows", "9007199254740991"],
      '--anime-rows must be an integer from 1 to 1,000,000, got "9007199254740991"',
    ],
    [
      "--animelist-rows beyond its bound",
      ["--out", "/tmp/x", "--animelist-rows", "1000000001"],
      '--animelist-rows must be an integer from 0 to 1,000,000,000, got "1000000001"',
    ],
  ];
  for (const [label, args, flag] of bad) {
    await t.step(`${label} exits 2 naming the flag`, async () => {
      const out = await runCli(args);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 2);
      assert.ok(stderr.includes(flag), stderr);
      assert.match(stderr, /usage: deno task gen-data/);
      assert.doesNotMatch(stderr, /Uncaught|\n\s+at /, "no stack trace");
    });
  }
  await t.step("--help states the bounds", async () => {
    const out = await runCli(["--help"]);
    assert.equal(out.code, 0);
    const help = new TextDecoder().decode(out.stdout);
    assert.match(help, /--animelist-rows N +data rows in animelist\.csv, 0 to 1,000,000,000/);
    assert.match(help, /--anime-rows N +data rows in anime\.csv, 1 to 1,000,000/);
  });
});
