// Tests for histograms: every value in exactly one bin, even and log-spaced bins, empty input.
import assert from "node:assert/strict";
import { histogram } from "../lib/report/display/histogram.ts";
import { assertWellFormed, attributeValues } from "./helpers/markup.ts";

function bins(svg: string) {
  const from = attributeValues(svg, "data-from").map(Number);
  const to = attributeValues(svg, "data-to").map(Number);
  const count = attributeValues(svg, "data-count").map(Number);
  return from.map((value, i) => ({ from: value, to: to[i]!, count: count[i]! }));
}

Deno.test("histogram puts every value in exactly one contiguous half-open bin", async (t) => {
  const cases = [
    { name: "scores", values: [3.37, 5.6, 6.0, 6.25, 7.5, 9.19], bins: 10 },
    { name: "identical values", values: [4, 4, 4], bins: 20 },
    { name: "negative and positive", values: [-2.5, -1, 0, 1, 2.5], bins: 5 },
  ];
  for (const { name, values, bins: wanted } of cases) {
    await t.step(name, () => {
      const chart = histogram(values, { title: name, xLabel: "x", bins: wanted });
      assertWellFormed(chart.svg);
      const found = bins(chart.svg);
      assert.equal(found.reduce((sum, bin) => sum + bin.count, 0), values.length);
      for (const [i, bin] of found.entries()) {
        if (i > 0) assert.equal(bin.from, found[i - 1]!.to, "bins are contiguous");
        const inside = values.filter((v) =>
          v >= bin.from && (v < bin.to || (i === found.length - 1 && v <= bin.to))
        );
        assert.equal(bin.count, inside.length, `bin [${bin.from}, ${bin.to})`);
      }
    });
  }
});

Deno.test("histogram with logX spaces bins evenly per decade and leaves out values not above 0", () => {
  const chart = histogram([0, 1, 2, 10, 100, 443], {
    title: "Entries per user",
    xLabel: "entries",
    logX: true,
    logY: true,
    binsPerDecade: 2,
  });
  assertWellFormed(chart.svg);
  const found = bins(chart.svg);
  const ratios = found.map((bin) => bin.to / bin.from);
  for (const ratio of ratios) assert.ok(Math.abs(ratio - Math.sqrt(10)) < 1e-9, `ratio ${ratio}`);
  assert.equal(found.reduce((sum, bin) => sum + bin.count, 0), 5);
  assert.equal(
    chart.description,
    'histogram "Entries per user": 5 values in 6 bins (1 value left out)',
  );
  assert.match(chart.svg, /entries \(log scale\)/);
  assert.match(chart.svg, /count \(log scale\)/);
});

Deno.test("histogram refuses an empty input", () => {
  assert.throws(() => histogram([], { title: "Nothing", xLabel: "x" }), {
    name: "RangeError",
    message: 'Cannot draw histogram "Nothing": no value to draw',
  });
});
