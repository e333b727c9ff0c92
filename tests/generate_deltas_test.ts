// Tests for the generator's daily deltas: determinism, the mix of events, consistency with the
// snapshot and the days before (replayed independently here), dirt, repeated pairs, gzip, the CLI.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import {
  DELTA_MIX,
  deltaDay,
  type DeltaLedger,
  generateDataset,
  type GenerateOptions,
} from "../lib/generate/generate_dataset.ts";

const CLI = new URL("../lib/cli/gen_data.ts", import.meta.url).pathname;
const PROJECT_ROOT = new URL("..", import.meta.url).pathname;
/** Every user active (the pool is all of the snapshot). */
const ALL_ACTIVE: GenerateOptions = {
  animelistRows: 20_000,
  animeRows: 400,
  deltas: 3,
  deltaRows: 5_000,
};
/** 40% of the users active: deltas must still name only pairs that exist. */
const SOME_ACTIVE: GenerateOptions = {
  animelistRows: 150_000,
  animeRows: 600,
  deltas: 4,
  deltaRows: 2_000,
};

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gen-deltas-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Rows of a CSV file keyed by header name. */
function readTable(text: string): Record<string, string>[] {
  const [header, ...rows] = parse(text, { relax_column_count: true }) as string[][];
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name.trim(), row[i]!])));
}

interface Values {
  rating: number;
  status: number;
  watched: number;
}

interface LineKinds {
  updates: number;
  newPairs: number;
  removals: number;
  /** Lines naming a pair a valid line of the same delta named before. */
  repeats: number;
  /** An update that moved watching (1) to completed (2), gave a first rating, or advanced episodes. */
  completed: number;
  rated: number;
  advanced: number;
  /** Valid lines whose watched_episodes exceed the anime's known episode count. */
  beyondEpisodes: number;
  /** Quarantined lines that named a listed pair (they would displace it: never generated). */
  heldOnListed: number;
}

/**
 * The source contract, replayed from the files alone: the snapshot's valid rows, then each delta's
 * lines in order (last line of a pair wins), with the ledger the pipeline must report.
 */
function replay(dir: string, deltaNames: string[]): { ledgers: DeltaLedger[]; kinds: LineKinds[] } {
  const animeRows = readTable(Deno.readTextFileSync(`${dir}/anime.csv`));
  const episodes = new Map(animeRows.map((a) => [a.MAL_ID!, a.Episodes!]));
  const statuses = new Set(
    readTable(Deno.readTextFileSync(`${dir}/watching_status.csv`)).map((s) => s.status!),
  );
  const list = new Map<string, Values>();
  const values = (row: Record<string, string>): Values => ({
    rating: Number(row.rating),
    status: Number(row.watching_status),
    watched: Number(row.watched_episodes),
  });
  for (const row of readTable(Deno.readTextFileSync(`${dir}/animelist.csv`))) {
    if (!episodes.has(row.anime_id!) || !statuses.has(row.watching_status!)) continue;
    const pair = `${row.user_id},${row.anime_id}`;
    assert.ok(!list.has(pair), `the snapshot repeats ${pair}`);
    list.set(pair, values(row));
  }
  const ledgers: DeltaLedger[] = [];
  const kinds: LineKinds[] = [];
  for (const name of deltaNames) {
    const rows = readTable(Deno.readTextFileSync(`${dir}/${name}`));
    const listedAtStart = new Map<string, boolean>();
    const quarantined = { unknown_anime_id: 0, unknown_watching_status: 0 };
    const kind: LineKinds = {
      updates: 0,
      newPairs: 0,
      removals: 0,
      repeats: 0,
      completed: 0,
      rated: 0,
      advanced: 0,
      beyondEpisodes: 0,
      heldOnListed: 0,
    };
    let valid = 0;
    for (const row of rows) {
      const pair = `${row.user_id},${row.anime_id}`;
      const removal = /^(1|true)$/i.test(row.removed ?? "");
      if (!removal && !episodes.has(row.anime_id!)) {
        quarantined.unknown_anime_id++;
        if (list.has(pair)) kind.heldOnListed++;
        continue;
      }
      if (!removal && !statuses.has(row.watching_status!)) {
        quarantined.unknown_watching_status++;
        if (list.has(pair)) kind.heldOnListed++;
        continue;
      }
      valid++;
      if (listedAtStart.has(pair)) kind.repeats++;
      else listedAtStart.set(pair, list.has(pair));
      if (removal) {
        kind.removals++;
        list.delete(pair);
        continue;
      }
      const before = list.get(pair);
      const after = values(row);
      const known = Number(episodes.get(row.anime_id!));
      if (Number.isInteger(known) && after.watched > known) kind.beyondEpisodes++;
      if (before) {
        kind.updates++;
        if (before.status === 1 && after.status === 2) kind.completed++;
        if (before.rating === 0 && after.rating > 0) kind.rated++;
        if (after.watched > before.watched) kind.advanced++;
      } else kind.newPairs++;
      list.set(pair, after);
    }
    const ledger: DeltaLedger = {
      rows: rows.length,
      inserted: 0,
      updated: 0,
      removed: 0,
      absentRemovals: 0,
      superseded: valid - listedAtStart.size,
      quarantined,
    };
    for (const [pair, wasListed] of listedAtStart) {
      if (list.has(pair)) ledger[wasListed ? "updated" : "inserted"]++;
      else ledger[wasListed ? "removed" : "absentRemovals"]++;
    }
    ledgers.push(ledger);
    kinds.push(kind);
  }
  return { ledgers, kinds };
}

async function digests(dir: string, names: string[]): Promise<string[]> {
  return await Promise.all(names.map(async (name) => {
    const bytes = await Deno.readFile(`${dir}/${name}`);
    return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  }));
}

Deno.test("deltas are named by date in key order, one file per day", async () => {
  await withTempDir(async (dir) => {
    const ds = await generateDataset(dir, { ...SOME_ACTIVE, firstDay: "2026-12-30" });
    const names = ds.deltas.map((delta) => delta.file.name);
    assert.deepEqual(names, [
      "animelist_updates/2026-12-30.csv",
      "animelist_updates/2026-12-31.csv",
      "animelist_updates/2027-01-01.csv",
      "animelist_updates/2027-01-02.csv",
    ]);
    assert.deepEqual([...names].sort(), names, "byte order of the keys is date order");
    assert.deepEqual(ds.deltas.map((delta) => delta.day), [
      "2026-12-30",
      "2026-12-31",
      "2027-01-01",
      "2027-01-02",
    ]);
    for (const delta of ds.deltas) {
      assert.equal(delta.file.rows, SOME_ACTIVE.deltaRows);
      const text = await Deno.readTextFile(delta.file.path);
      assert.ok(
        text.startsWith(",user_id,anime_id,rating,watching_status,watched_episodes,removed\n"),
      );
      assert.equal(text.split("\n").length - 2, SOME_ACTIVE.deltaRows, "one line per row, LF");
    }
  });
  assert.equal(deltaDay("2028-02-28", 1), "2028-02-29");
});

Deno.test("deltas are deterministic, and the first days do not depend on how many", async () => {
  await withTempDir(async (dir) => {
    const three = await generateDataset(`${dir}/a`, ALL_ACTIVE);
    const again = await generateDataset(`${dir}/b`, ALL_ACTIVE);
    const two = await generateDataset(`${dir}/c`, { ...ALL_ACTIVE, deltas: 2 });
    const names = three.deltas.map((delta) => delta.file.name);
    const first = await digests(`${dir}/a`, ["animelist.csv", ...names]);
    assert.deepEqual(await digests(`${dir}/b`, ["animelist.csv", ...names]), first);
    assert.deepEqual(
      again.deltas,
      three.deltas.map((d) => ({
        ...d,
        file: { ...d.file, path: d.file.path.replace("/a/", "/b/") },
      })),
    );
    assert.deepEqual(
      await digests(`${dir}/c`, ["animelist.csv", ...names.slice(0, 2)]),
      first.slice(0, 3),
    );
    assert.equal(two.deltas.length, 2);
    const noDeltas = await generateDataset(`${dir}/d`, { ...ALL_ACTIVE, deltas: 0 });
    assert.deepEqual(noDeltas.deltas, []);
    assert.deepEqual(
      await digests(`${dir}/d`, ["animelist.csv"]),
      first.slice(0, 1),
      "snapshot unchanged",
    );
    const otherSeed = await generateDataset(`${dir}/e`, { ...ALL_ACTIVE, seed: 7, deltas: 1 });
    assert.notDeepEqual(await digests(`${dir}/e`, names.slice(0, 1)), first.slice(1, 2));
    assert.equal(otherSeed.deltas.length, 1);
  });
});

for (
  const [label, options] of [["every user active", ALL_ACTIVE], [
    "40% of users active",
    SOME_ACTIVE,
  ]] as const
) {
  Deno.test(`deltas replay consistently on the snapshot and earlier days (${label})`, async () => {
    await withTempDir(async (dir) => {
      const ds = await generateDataset(dir, options);
      const { ledgers, kinds } = replay(dir, ds.deltas.map((delta) => delta.file.name));
      // The ledger the generator promises is the one the contract gives from the files alone; an
      // update of a pair that did not exist would count as an insert here and differ.
      assert.deepEqual(ledgers, ds.deltas.map((delta) => delta.expected));
      for (const [day, kind] of kinds.entries()) {
        const ledger = ledgers[day]!;
        const rows = ledger.rows;
        const quarantined = ledger.quarantined.unknown_anime_id +
          ledger.quarantined.unknown_watching_status;
        assert.equal(
          ledger.inserted + ledger.updated + ledger.removed + ledger.absentRemovals +
            ledger.superseded + quarantined,
          rows,
          "the counts reconcile",
        );
        const tolerance = 4 * Math.sqrt(0.25 / rows);
        assert.ok(
          Math.abs(kind.updates / rows - DELTA_MIX.updates) < tolerance,
          `updates ${kind.updates}`,
        );
        assert.ok(
          Math.abs(kind.newPairs / rows - DELTA_MIX.newPairs) < tolerance,
          `new ${kind.newPairs}`,
        );
        assert.ok(
          Math.abs(kind.removals / rows - DELTA_MIX.removals) < tolerance / 2,
          `removals ${kind.removals}`,
        );
        assert.ok(ledger.removed > 0 && ledger.absentRemovals >= 0);
        assert.equal(kind.beyondEpisodes, 0, "episodes stay within the anime's count");
        assert.equal(kind.heldOnListed, 0, "dirt never lands on a listed pair");
        assert.ok(kind.completed > 0 && kind.rated > 0 && kind.advanced > 0, JSON.stringify(kind));
        assert.ok(kind.repeats > 0, "repeated pairs within the day");
        assert.equal(kind.repeats, ledger.superseded);
        assert.ok(ledger.quarantined.unknown_anime_id > 0, "unknown anime ids, as in the snapshot");
        assert.ok(
          ledger.quarantined.unknown_watching_status > 0,
          "unknown statuses, as in the snapshot",
        );
      }
    });
  });
}

Deno.test("removals use the contract's flag, with or without their other columns", async () => {
  await withTempDir(async (dir) => {
    const ds = await generateDataset(dir, { ...ALL_ACTIVE, deltas: 1, format: "kaggle" });
    const text = await Deno.readTextFile(ds.deltas[0]!.file.path);
    assert.ok(
      text.startsWith("user_id,anime_id,rating,watching_status,watched_episodes,removed\n"),
    );
    const rows = readTable(text);
    const flags = new Set(rows.map((row) => row.removed));
    assert.deepEqual([...flags].sort(), ["0", "1", "True"]);
    const removals = rows.filter((row) => row.removed !== "0");
    assert.ok(removals.some((row) => row.rating === "" && row.watching_status === ""));
    assert.ok(removals.some((row) => row.rating !== ""));
  });
});

Deno.test("gzipped deltas gunzip to the plain bytes", async () => {
  await withTempDir(async (dir) => {
    const plain = await generateDataset(`${dir}/plain`, { ...SOME_ACTIVE, deltas: 2 });
    const gz = await generateDataset(`${dir}/gz`, { ...SOME_ACTIVE, deltas: 2, gzipDeltas: true });
    assert.deepEqual(gz.deltas.map((delta) => delta.file.name), [
      "animelist_updates/2026-12-01.csv.gz",
      "animelist_updates/2026-12-02.csv.gz",
    ]);
    assert.ok(gz.files.every((file) => !file.name.endsWith(".gz")), "only the deltas");
    for (const [i, delta] of gz.deltas.entries()) {
      assert.deepEqual(
        gunzipSync(await Deno.readFile(delta.file.path)),
        Buffer.from(await Deno.readFile(plain.deltas[i]!.file.path)),
      );
    }
  });
});

Deno.test("delta options are checked", async () => {
  await withTempDir(async (dir) => {
    const bad: [Partial<GenerateOptions>, RegExp][] = [
      [{ deltas: -1 }, /deltas must be an integer/],
      [{ deltas: 1, deltaRows: 0 }, /deltaRows must be an integer from 1/],
      [{ deltas: 1, firstDay: "2026-02-30" }, /firstDay must be a date YYYY-MM-DD/],
      [{ deltas: 1, firstDay: "1.12.2026" }, /firstDay must be a date/],
    ];
    for (const [options, message] of bad) {
      await assert.rejects(generateDataset(dir, { animelistRows: 10, ...options }), message);
    }
  });
});

Deno.test("gen_data CLI writes deltas", async (t) => {
  await t.step("--deltas and --delta-rows write and report the days", async () => {
    await withTempDir(async (dir) => {
      const out = await runCli([
        "--out",
        dir,
        "--animelist-rows",
        "3000",
        "--anime-rows",
        "200",
        "--deltas",
        "2",
        "--delta-rows",
        "400",
        "--first-day",
        "2027-03-31",
        "--gzip-deltas",
      ]);
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.match(stdout, /animelist_updates\/2027-03-31\.csv\.gz +400 rows/);
      assert.match(stdout, /animelist_updates\/2027-04-01\.csv\.gz +400 rows/);
      assert.match(stdout, /\d+ updated, \d+ inserted, \d+ removed/);
      assert.match(stdout, /^6 files, /m);
      const text = new TextDecoder().decode(
        gunzipSync(await Deno.readFile(`${dir}/animelist_updates/2027-04-01.csv.gz`)),
      );
      assert.equal(text.split("\n").length - 2, 400);
      assert.ok((await Deno.stat(`${dir}/animelist.csv`)).isFile, "the snapshot stays plain");
    });
  });
  await t.step("--delta-rows defaults to 1% of --animelist-rows", async () => {
    await withTempDir(async (dir) => {
      const out = await runCli([
        "--out",
        dir,
        "--animelist-rows",
        "5000",
        "--anime-rows",
        "100",
        "--deltas",
        "1",
      ]);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.match(
        new TextDecoder().decode(out.stdout),
        /animelist_updates\/2026-12-01\.csv +50 rows/,
      );
    });
  });
  const bad: [string, string[], string][] = [
    [
      "negative --deltas",
      ["--deltas=-1"],
      '--deltas must be an integer from 0 to 3,650, got "-1"',
    ],
    [
      "zero --delta-rows",
      ["--deltas", "1", "--delta-rows", "0"],
      "--delta-rows must be an integer from 1",
    ],
    [
      "impossible --first-day",
      ["--deltas", "1", "--first-day", "2026-13-01"],
      '--first-day must be a date YYYY-MM-DD, got "2026-13-01"',
    ],
  ];
  for (const [label, args, message] of bad) {
    await t.step(`${label} exits 2 naming the flag`, async () => {
      const out = await runCli(["--out", "/tmp/x", "--animelist-rows", "10", ...args]);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 2);
      assert.ok(stderr.includes(message), stderr);
    });
  }
  await t.step("--help documents the delta flags", async () => {
    const out = await runCli(["--help"]);
    assert.equal(out.code, 0);
    const help = new TextDecoder().decode(out.stdout);
    assert.match(help, /--deltas N +daily deltas under animelist_updates\//);
    assert.match(help, /--delta-rows M +data rows of each delta/);
    assert.match(help, /--first-day D +as-of date of the first delta/);
    assert.match(help, /--gzip-deltas +write the deltas as \.csv\.gz/);
  });
});

function runCli(args: string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", CLI, ...args],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
}
