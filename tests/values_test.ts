// Tests for the single-value cleaning rules: missing values, float-formatted integers, ranges, lists.
import assert from "node:assert/strict";
import {
  isMissing,
  parseCount,
  type Parsed,
  parseInteger,
  parseRequiredText,
  parseScore,
  parseText,
  splitList,
} from "../lib/transform/values.ts";

type IntegerOptions = Parameters<typeof parseInteger>[1];

Deno.test("parseInteger accepts integers, float-formatted integers and nulls", async (t) => {
  const cases: {
    name: string;
    text: string;
    options?: IntegerOptions;
    expected: Parsed<number | null>;
  }[] = [
    { name: "plain integer", text: "17562", expected: { ok: true, value: 17562 } },
    { name: "float-formatted", text: "229170.0", expected: { ok: true, value: 229170 } },
    { name: "several zero decimals", text: "3.000", expected: { ok: true, value: 3 } },
    { name: "explicit plus sign", text: "+7", expected: { ok: true, value: 7 } },
    { name: "negative", text: "-12", expected: { ok: true, value: -12 } },
    { name: "surrounding spaces", text: "  42 ", expected: { ok: true, value: 42 } },
    { name: "int4 maximum", text: "2147483647", expected: { ok: true, value: 2147483647 } },
    { name: "int4 minimum", text: "-2147483648", expected: { ok: true, value: -2147483648 } },
    {
      name: "Unknown when nullable",
      text: "Unknown",
      options: { nullable: true },
      expected: { ok: true, value: null },
    },
    {
      name: "unknown in lower case when nullable",
      text: " unknown ",
      options: { nullable: true },
      expected: { ok: true, value: null },
    },
    {
      name: "empty when nullable",
      text: "",
      options: { nullable: true },
      expected: { ok: true, value: null },
    },
    {
      name: "inside a custom range",
      text: "10",
      options: { min: 0, max: 10 },
      expected: { ok: true, value: 10 },
    },
  ];
  for (const { name, text, options, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(parseInteger(text, options), expected);
    });
  }
});

Deno.test("parseInteger rejects what is not a loadable integer, with the reason", async (t) => {
  const cases: {
    name: string;
    text: string;
    options?: IntegerOptions;
    expected: Parsed<number | null>;
  }[] = [
    {
      name: "a real fraction",
      text: "12.5",
      expected: { ok: false, reason: "invalid_value", problem: '"12.5" is not an integer' },
    },
    {
      name: "a word",
      text: "abc",
      expected: { ok: false, reason: "invalid_value", problem: '"abc" is not an integer' },
    },
    {
      name: "inner space",
      text: "4 2",
      expected: { ok: false, reason: "invalid_value", problem: '"4 2" is not an integer' },
    },
    {
      name: "a tab before the number is shown, not trimmed away",
      text: "\t5",
      expected: { ok: false, reason: "invalid_value", problem: '"\\t5" is not an integer' },
    },
    {
      name: "a no-break space after the number",
      text: "5\u00a0",
      expected: { ok: false, reason: "invalid_value", problem: '"5\u00a0" is not an integer' },
    },
    {
      name: "spaces around an invalid value are shown as written",
      text: " 4x ",
      expected: { ok: false, reason: "invalid_value", problem: '" 4x " is not an integer' },
    },
    {
      name: "exponent notation",
      text: "1e3",
      expected: { ok: false, reason: "invalid_value", problem: '"1e3" is not an integer' },
    },
    {
      name: "long text is clipped in the problem",
      text: "x".repeat(50),
      expected: {
        ok: false,
        reason: "invalid_value",
        problem: `"${"x".repeat(40)}…" is not an integer`,
      },
    },
    {
      name: "Unknown when required",
      text: "Unknown",
      expected: { ok: false, reason: "missing_value", problem: "a value is required" },
    },
    {
      name: "empty when required",
      text: "",
      expected: { ok: false, reason: "missing_value", problem: "a value is required" },
    },
    {
      name: "beyond int4",
      text: "99999999999",
      expected: {
        ok: false,
        reason: "out_of_range",
        problem: "99999999999 is outside -2147483648..2147483647",
      },
    },
    {
      name: "just beyond int4",
      text: "2147483648",
      expected: {
        ok: false,
        reason: "out_of_range",
        problem: "2147483648 is outside -2147483648..2147483647",
      },
    },
    {
      name: "negative with min 0",
      text: "-1",
      options: { min: 0 },
      expected: { ok: false, reason: "out_of_range", problem: "-1 is outside 0..2147483647" },
    },
    {
      name: "above a custom max, float-formatted",
      text: "11.0",
      options: { min: 0, max: 10 },
      expected: { ok: false, reason: "out_of_range", problem: "11 is outside 0..10" },
    },
  ];
  for (const { name, text, options, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(parseInteger(text, options), expected);
    });
  }
});

Deno.test("parseCount reads non-negative nullable counts", async (t) => {
  const cases: { name: string; text: string; expected: Parsed<number | null> }[] = [
    { name: "Score-N float count", text: "229170.0", expected: { ok: true, value: 229170 } },
    { name: "zero", text: "0", expected: { ok: true, value: 0 } },
    { name: "Unknown", text: "Unknown", expected: { ok: true, value: null } },
    { name: "empty", text: "", expected: { ok: true, value: null } },
    {
      name: "negative",
      text: "-5",
      expected: { ok: false, reason: "out_of_range", problem: "-5 is outside 0..2147483647" },
    },
    {
      name: "fraction",
      text: "0.5",
      expected: { ok: false, reason: "invalid_value", problem: '"0.5" is not an integer' },
    },
  ];
  for (const { name, text, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(parseCount(text), expected);
    });
  }
});

Deno.test("parseScore keeps scores from 0 to 10 with at most two decimals as text", async (t) => {
  const cases: { name: string; text: string; expected: Parsed<string | null> }[] = [
    { name: "two decimals", text: "8.78", expected: { ok: true, value: "8.78" } },
    { name: "one decimal", text: "6.5", expected: { ok: true, value: "6.5" } },
    { name: "integer", text: "7", expected: { ok: true, value: "7" } },
    { name: "zero", text: "0", expected: { ok: true, value: "0" } },
    { name: "ten", text: "10.00", expected: { ok: true, value: "10.00" } },
    { name: "trimmed", text: " 9.1 ", expected: { ok: true, value: "9.1" } },
    { name: "Unknown", text: "Unknown", expected: { ok: true, value: null } },
    { name: "empty", text: "", expected: { ok: true, value: null } },
    {
      name: "just above ten",
      text: "10.01",
      expected: { ok: false, reason: "out_of_range", problem: "10.01 is outside 0..10" },
    },
    {
      name: "eleven",
      text: "11",
      expected: { ok: false, reason: "out_of_range", problem: "11 is outside 0..10" },
    },
    {
      name: "a word",
      text: "abc",
      expected: { ok: false, reason: "invalid_value", problem: '"abc" is not a score' },
    },
    {
      name: "negative",
      text: "-1",
      expected: { ok: false, reason: "invalid_value", problem: '"-1" is not a score' },
    },
    {
      name: "three decimals",
      text: "7.123",
      expected: {
        ok: false,
        reason: "invalid_value",
        problem: "7.123 has more than two decimals",
      },
    },
    {
      name: "decimals a float would round away are still decimals",
      text: "8.1299999999999999",
      expected: {
        ok: false,
        reason: "invalid_value",
        problem: "8.1299999999999999 has more than two decimals",
      },
    },
    {
      name: "a digit far down the decimals",
      text: "8.13000000000000000001",
      expected: {
        ok: false,
        reason: "invalid_value",
        problem: "8.13000000000000000001 has more than two decimals",
      },
    },
    {
      name: "zeros after two decimals change nothing",
      text: "8.130",
      expected: { ok: true, value: "8.130" },
    },
    {
      name: "a tab before the score is shown",
      text: "\t8.13",
      expected: { ok: false, reason: "invalid_value", problem: '"\\t8.13" is not a score' },
    },
  ];
  for (const { name, text, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(parseScore(text), expected);
    });
  }
});

Deno.test("parseText and parseRequiredText treat missing text by their rule", async (t) => {
  const cases: {
    name: string;
    parse: (text: string) => Parsed<string | null>;
    text: string;
    expected: Parsed<string | null>;
  }[] = [
    {
      name: "text kept verbatim",
      parse: parseText,
      text: " Gintama° ",
      expected: { ok: true, value: " Gintama° " },
    },
    {
      name: "Unknown text is null",
      parse: parseText,
      text: "Unknown",
      expected: { ok: true, value: null },
    },
    {
      name: "blank text is null",
      parse: parseText,
      text: "  ",
      expected: { ok: true, value: null },
    },
    {
      name: "required text kept verbatim",
      parse: parseRequiredText,
      text: "Steins;Gate",
      expected: { ok: true, value: "Steins;Gate" },
    },
    {
      name: "required Unknown is kept as a title",
      parse: parseRequiredText,
      text: "Unknown",
      expected: { ok: true, value: "Unknown" },
    },
    {
      name: "required empty",
      parse: parseRequiredText,
      text: "",
      expected: { ok: false, reason: "missing_value", problem: "a value is required" },
    },
    {
      name: "required blank",
      parse: parseRequiredText,
      text: " \t",
      expected: { ok: false, reason: "missing_value", problem: "a value is required" },
    },
  ];
  for (const { name, parse, text, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(parse(text), expected);
    });
  }
});

Deno.test("splitList trims, drops empties and duplicates, and reads Unknown as no items", async (t) => {
  const cases: { name: string; text: string; expected: string[] }[] = [
    {
      name: "comma-plus-space list",
      text: "Action, Adventure, Comedy",
      expected: ["Action", "Adventure", "Comedy"],
    },
    {
      name: "uneven spaces",
      text: " Action ,Adventure  , Comedy",
      expected: ["Action", "Adventure", "Comedy"],
    },
    { name: "duplicates after trimming", text: "Action, Action,Action ", expected: ["Action"] },
    { name: "empty items", text: "Action,, ,Drama,", expected: ["Action", "Drama"] },
    { name: "single item", text: "Sunrise", expected: ["Sunrise"] },
    { name: "Unknown", text: "Unknown", expected: [] },
    { name: "unknown with spaces", text: " unknown ", expected: [] },
    { name: "empty", text: "", expected: [] },
  ];
  for (const { name, text, expected } of cases) {
    await t.step(name, () => {
      assert.deepEqual(splitList(text), expected);
    });
  }
});

Deno.test("isMissing recognises the source's spellings of no value", async (t) => {
  const cases: { text: string; expected: boolean }[] = [
    { text: "", expected: true },
    { text: "   ", expected: true },
    { text: "Unknown", expected: true },
    { text: "UNKNOWN", expected: true },
    { text: " unknown ", expected: true },
    { text: " unknown\t", expected: false },
    { text: "0", expected: false },
    { text: "Unknown Title", expected: false },
    { text: "N/A", expected: false },
  ];
  for (const { text, expected } of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.equal(isMissing(text), expected);
    });
  }
});
