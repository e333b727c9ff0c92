// Tests for bar charts: one bar per value, proportional lengths, log scale, labels escaped.
import assert from "node:assert/strict";
import { barChart } from "../lib/report/display/bar_chart.ts";
import { mimeBundle } from "../lib/report/display/show.ts";
import { assertWellFormed, attributeValues } from "./helpers/markup.ts";

const BARS = [
  { label: "TV", value: 4000 },
  { label: "Movie", value: 2000 },
  { label: "Music", value: 0 },
];

function barSizes(svg: string, size: "width" | "height"): number[] {
  return [...svg.matchAll(/<rect class="bar"[^>]*>/g)].map((m) =>
    Number(new RegExp(`\\s${size}="([^"]*)"`).exec(m[0])![1])
  );
}

Deno.test("barChart draws one labelled bar per value, in order, proportional to the value", async (t) => {
  for (const orientation of ["horizontal", "vertical"] as const) {
    await t.step(orientation, () => {
      const chart = barChart(BARS, { title: "Anime by type", orientation });
      const elements = assertWellFormed(chart.svg);
      assert.equal(elements[0], "svg");
      assert.deepEqual(attributeValues(chart.svg, "data-label"), ["TV", "Movie", "Music"]);
      assert.deepEqual(attributeValues(chart.svg, "data-value"), ["4000", "2000", "0"]);
      const sizes = barSizes(chart.svg, orientation === "horizontal" ? "width" : "height");
      assert.ok(Math.abs(sizes[0]! - 2 * sizes[1]!) < 0.5, `4000 is twice 2000: ${sizes}`);
      assert.equal(sizes[2], 0);
      assert.match(chart.svg, /<title>Anime by type<\/title>/);
    });
  }
});

Deno.test("barChart on a log scale spaces decades evenly and keeps the smallest bar visible", () => {
  const chart = barChart([{ label: "a", value: 1000 }, { label: "b", value: 10 }, {
    label: "c",
    value: 1,
  }], {
    title: "Log",
    logScale: true,
  });
  const [a, b, c] = barSizes(chart.svg, "width");
  assert.ok(c! > 0, "value 1 still has a bar");
  assert.ok(Math.abs((a! - b!) - 2 * (b! - c!) / 1) < 1, `10→1000 spans twice 1→10: ${[a, b, c]}`);
  assert.match(chart.svg, /count \(log scale\)/);
});

Deno.test("barChart escapes labels and shows as image/svg+xml with a text description", () => {
  const chart = barChart([{ label: `R & "PG-13" <Teens>`, value: 3 }], {
    title: "Ratings & <ages>",
  });
  assertWellFormed(chart.svg);
  assert.ok(chart.svg.includes("R &amp; &quot;PG-13&quot; &lt;Teens&gt;"));
  const bundle = mimeBundle(chart);
  assert.equal(bundle["image/svg+xml"], chart.svg);
  assert.equal(bundle["text/plain"], 'bar chart "Ratings & <ages>": 1 bar');
});

Deno.test("barChart refuses values it cannot draw", async (t) => {
  const cases = [
    {
      name: "negative value",
      bars: [{ label: "x", value: -1 }],
      options: { title: "T" },
      message:
        'Cannot draw bar chart "T": bar "x" has value -1; values must be finite and not negative',
    },
    {
      name: "not finite",
      bars: [{ label: "x", value: Number.NaN }],
      options: { title: "T" },
      message:
        'Cannot draw bar chart "T": bar "x" has value NaN; values must be finite and not negative',
    },
    {
      name: "log scale without a positive value",
      bars: [{ label: "x", value: 0 }],
      options: { title: "T", logScale: true },
      message: 'Cannot draw bar chart "T" on a log scale: no value is above 0',
    },
  ];
  for (const { name, bars, options, message } of cases) {
    await t.step(name, () => {
      assert.throws(() => barChart(bars, options), { name: "RangeError", message });
    });
  }
});

Deno.test("barChart can start its axis near the smallest value, and says so", () => {
  const chart = barChart([
    { label: "a", value: 9.19, note: "48,059 votes" },
    { label: "b", value: 8.1, note: "806 votes" },
    { label: "c", value: 8.07, note: "629 votes" },
  ], { title: "T", valueLabel: "score", axisFrom: 7.5 });
  const widths = attributeValues(chart.svg, "width").slice(2).map(Number); // svg, background
  assert.ok(widths[0]! / widths[2]! > 2, widths.join(", "));
  assert.ok(chart.svg.includes(">score (axis starts at 7.5, not 0)</text>"));
  // One count of decimals for every value, then the note.
  const values = [...chart.svg.matchAll(/<text class="value"[^>]*>([^<]*)<\/text>/g)]
    .map((match) => match[1]);
  assert.deepEqual(values, ["9.19 · 48,059 votes", "8.10 · 806 votes", "8.07 · 629 votes"]);
  assert.throws(
    () => barChart([{ label: "x", value: 7 }], { title: "T", axisFrom: 7.5 }),
    /bar "x" has value 7, below the axis start 7.5/,
  );
});

Deno.test("barChart isolates labels, keeping a clipping ellipsis after them", () => {
  const chart = barChart([{ label: `\u202E${"long ".repeat(40)}`, value: 1 }], { title: "T" });
  assert.match(
    chart.svg,
    /<text class="label"[^>]*><tspan style="unicode-bidi:isolate">\u202Elong [^<]*<\/tspan>…<\/text>/,
  );
});
