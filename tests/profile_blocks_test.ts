// Tests that notebook 02's block-wise profile of animelist.csv equals its whole-frame profile, and of
// the typed per-user counts that keep its memory flat however many users the file has.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { concatBytes, parseCsvFrame, RecordBoundaries } from "../lib/explore/_csv_frame.ts";
import { countValues } from "../lib/explore/counts.ts";
import { profileAnimeList } from "../lib/explore/profiles.ts";
import { UserCounts } from "../lib/explore/user_counts.ts";
import { generateDataset } from "../lib/generate/generate_dataset.ts";

const encoder = new TextEncoder();

// Blocks of whole records of about `blockBytes`, each parsed with the header, as readSourceBlocks
// cuts them (its types inferred per block, so a block with dirt reads its ids as text).
function* byteBlocks(bytes: Uint8Array, blockBytes: number): Generator<pl.DataFrame> {
  const ends = new RecordBoundaries().scan(bytes);
  const header = bytes.subarray(0, ends[0]!);
  let start = ends[0]!;
  let at = 1;
  while (at < ends.length) {
    let end = ends[at]!;
    while (at + 1 < ends.length && ends[at + 1]! - start <= blockBytes) end = ends[++at]!;
    yield parseCsvFrame(concatBytes([header, bytes.subarray(start, end)]), false);
    start = end;
    at++;
  }
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

Deno.test("profileAnimeList in blocks equals the whole-frame profile of a generated file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "profile-blocks-" });
  try {
    const dataset = await generateDataset(dir, { animelistRows: 30_000, animeRows: 300, seed: 5 });
    const file = dataset.files.find((written) => written.name === "animelist.csv")!;
    const generated = await Deno.readFile(file.path);
    // Dirt in user_id, at the end so that only the last block reads its ids as text: a label that
    // is not an integer, one with a space, one with a leading zero, an empty (null) id, and an id
    // written as text that equals an integer id of the earlier blocks.
    const firstUser = parseCsvFrame(generated, false).getColumn("user_id").get(0);
    const index = (i: number) => generated[0] === 0x2c ? `${900_000 + i},` : "";
    const dirt = [`x`, ` 12`, `007`, ``, `${firstUser}`]
      .map((user, i) => `${index(i)}${user},1,5,2,3\n`).join("");
    const bytes = concatBytes([generated, encoder.encode(dirt)]);
    const statuses = pl.DataFrame({ status: ["1", "2", "3", "4", "6"] });
    const anime = parseCsvFrame(await Deno.readFile(`${dir}/anime.csv`), true);
    const dimensions = { statuses, anime };

    // Read as text, as a whole frame must be to hold text ids (inferred, it would stop at "x").
    const wholeFrame = parseCsvFrame(bytes, true);
    assert.equal(String(wholeFrame.getColumn("user_id").dtype), "DataType(String)");
    const whole = await profileAnimeList(wholeFrame, dimensions);
    const blocks = [...byteBlocks(bytes, 64 * 1024)];
    assert.ok(blocks.length > 5, `${blocks.length} blocks`);
    assert.equal(String(blocks[0]!.getColumn("user_id").dtype), "DataType(Int64)");
    assert.equal(String(blocks.at(-1)!.getColumn("user_id").dtype), "DataType(String)");
    const streamed = await profileAnimeList(asAsync(blocks), dimensions);

    assert.equal(whole.blocks, 1);
    assert.equal(streamed.blocks, blocks.length);
    const { blocks: _a, ...wholeCounts } = whole;
    const { blocks: _b, ...streamedCounts } = streamed;
    assert.deepEqual(streamedCounts, wholeCounts, "every count, and the list lengths in order");
    // Users as countValues labels them: the whole frame's ids as text, each label once.
    const reference = countValues(wholeFrame, "user_id");
    assert.equal(whole.users, reference.length);
    assert.deepEqual(
      [...whole.listLengths].sort((a, b) => a - b),
      reference.map((bar) => bar.value).sort((a, b) => a - b),
    );
    assert.equal(whole.rows, 30_000 + 5);
    assert.equal(whole.listLengths.reduce((sum, length) => sum + length, 0), whole.rows);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UserCounts merges each block's ids into sorted typed arrays, equal to a map", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const counts = new UserCounts();
  const reference = new Map<string, number>();
  for (let block = 0; block < 40; block++) {
    // Blocks of a few ids to many, overlapping, some with ids only this block has.
    const size = Math.floor(random() * 3_000);
    const ids = Array.from({ length: size }, () => Math.floor(random() * 5_000) - 50);
    counts.addBlock(pl.DataFrame({ user_id: ids }), "user_id");
    for (const id of ids) reference.set(String(id), (reference.get(String(id)) ?? 0) + 1);
  }
  // A block of floats, one of text and one with nulls: labelled as countValues labels them.
  const floats = [1, 1.5, 2, Number.NaN];
  const texts = ["3", "03", "y", null];
  counts.addBlock(pl.DataFrame({ user_id: floats }), "user_id");
  counts.addBlock(pl.DataFrame({ user_id: texts }), "user_id");
  // Nulls given to an integer dtype come back as 0: built as floats, then cast.
  const nullIds = pl.Series("user_id", [null, 4, null], pl.Float64).cast(pl.Int32);
  counts.addBlock(pl.DataFrame([nullIds]), "user_id");
  for (const value of [...floats, ...texts, null, 4, null]) {
    const label = value === null ? "(null)" : String(value);
    reference.set(label, (reference.get(label) ?? 0) + 1);
  }
  assert.equal(counts.users, reference.size);
  assert.deepEqual(
    [...counts.lengths()].sort((a, b) => a - b),
    [...reference.values()].sort((a, b) => a - b),
  );
  // Integer ids first, in id order: the lengths of ids -50, -49, ... as the map has them.
  const integers = [...reference.keys()].filter((label) =>
    /^-?[0-9]+$/.test(label) &&
    String(Number(label)) === label
  ).sort((a, b) => Number(a) - Number(b));
  assert.deepEqual(
    [...counts.lengths().subarray(0, integers.length)],
    integers.map((label) => reference.get(label)!),
  );
});
