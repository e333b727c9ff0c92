// Owns histograms of numeric values as standalone SVG: even or log-spaced bins, linear or log counts.
/**
 * @example Chart a score distribution
 * ```ts
 * import assert from "node:assert/strict";
 * import { histogram } from "./histogram.ts";
 * const chart = histogram([6.1, 6.5, 7.2, 7.3, 8.9], { title: "Scores", xLabel: "score", bins: 4 });
 * const counts = [...chart.svg.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]));
 * assert.equal(counts.reduce((a, b) => a + b, 0), 5);
 * ```
 */
import { SvgImage } from "./svg_image.ts";
import {
  AXIS_STROKE,
  BAR_FILL,
  escapeXml,
  GRID_STROKE,
  linearTicks,
  logTicks,
  niceMax,
  px,
  svgDocument,
  tickLabel,
} from "./_svg.ts";

/** Options of {@link histogram}. */
export interface HistogramOptions {
  /** Chart title, also the SVG's accessible name. */
  title: string;
  /** Label of the value axis, with its unit, e.g. `entries per user`. */
  xLabel: string;
  /** Label of the count axis; default `count`. */
  yLabel?: string;
  /** Approximate number of even bins (rounded to a 1/2/5 step); default 20. Ignored with `logX`. */
  bins?: number;
  /** Bins evenly spaced on a log10 axis, for long-tailed positive values; default false. */
  logX?: boolean;
  /** Bins per decade with `logX`; default 5. */
  binsPerDecade?: number;
  /** Log10 count axis; default false. */
  logY?: boolean;
  /** Image width in pixels; default 640. */
  width?: number;
}

interface Bin {
  from: number;
  to: number;
  count: number;
}

/**
 * Counts values into half-open bins `[from, to)` (the last bin holds the maximum) and draws them.
 * Each bin is a `<rect class="bar">` with `data-from`, `data-to` and `data-count`; bins are
 * contiguous, so an empty bin is a gap.
 *
 * @param values Finite numbers; with `logX`, values not above 0 are left out and counted in the
 *   description.
 * @returns The chart, shown inline by `show`.
 * @throws {RangeError} When there is no value to draw.
 */
export function histogram(values: Iterable<number>, options: HistogramOptions): SvgImage {
  const all = Float64Array.from(values);
  const kept = options.logX ? all.filter((value) => value > 0) : all.filter(Number.isFinite);
  if (kept.length === 0) {
    throw new RangeError(`Cannot draw histogram "${options.title}": no value to draw`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const value of kept) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const edges = options.logX
    ? logEdges(min, max, options.binsPerDecade ?? 5)
    : evenEdges(min, max, options.bins ?? 20);
  const bins = countInto(kept, edges);
  const left = 60;
  const right = 20;
  const top = 40;
  const width = options.width ?? 640;
  const plotWidth = width - left - right;
  const plotHeight = 220;
  const bottom = top + plotHeight;
  const height = bottom + 52;
  const xFrom = options.logX ? Math.log10(edges[0]!) : edges[0]!;
  const xSpan = (options.logX ? Math.log10(edges.at(-1)!) : edges.at(-1)!) - xFrom;
  const x = (value: number) =>
    left + ((options.logX ? Math.log10(value) : value) - xFrom) / xSpan * plotWidth;
  const maxCount = Math.max(...bins.map((bin) => bin.count));
  const yTicks = options.logY ? logTicks(1, maxCount) : linearTicks(0, niceMax(maxCount));
  const yTop = yTicks.at(-1)!;
  const y = (count: number) => {
    if (count <= 0) return bottom;
    const share = options.logY ? Math.log10(count) / Math.log10(yTop) : count / yTop;
    return bottom - share * plotHeight;
  };
  const parts: string[] = [];
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${left}" y1="${px(y(tick))}" x2="${px(left + plotWidth)}" y2="${
        px(y(tick))
      }" stroke="${GRID_STROKE}"/>`,
      `<text class="tick" x="${left - 6}" y="${px(y(tick) + 4)}" text-anchor="end" fill="#555">${
        escapeXml(tickLabel(tick))
      }</text>`,
    );
  }
  for (const bin of bins) {
    const x0 = x(bin.from);
    const x1 = x(bin.to);
    parts.push(
      `<rect class="bar" data-from="${bin.from}" data-to="${bin.to}" data-count="${bin.count}" x="${
        px(x0)
      }" y="${px(y(bin.count))}" width="${px(Math.max(0.5, x1 - x0 - 1))}" height="${
        px(bottom - y(bin.count))
      }" fill="${BAR_FILL}"/>`,
    );
  }
  const xTicks = options.logX
    ? logTicks(edges[0]!, edges.at(-1)!).filter((t) => t >= edges[0]! && t <= edges.at(-1)!)
    : linearTicks(edges[0]!, edges.at(-1)!, 8);
  for (const tick of xTicks) {
    parts.push(
      `<line x1="${px(x(tick))}" y1="${px(bottom)}" x2="${px(x(tick))}" y2="${
        px(bottom + 4)
      }" stroke="${AXIS_STROKE}"/>`,
      `<text class="tick" x="${px(x(tick))}" y="${
        px(bottom + 16)
      }" text-anchor="middle" fill="#555">${escapeXml(tickLabel(tick))}</text>`,
    );
  }
  const yLabel = (options.yLabel ?? "count") + (options.logY ? " (log scale)" : "");
  const xLabel = options.xLabel + (options.logX ? " (log scale)" : "");
  parts.push(
    `<line x1="${left}" y1="${px(bottom)}" x2="${px(left + plotWidth)}" y2="${
      px(bottom)
    }" stroke="${AXIS_STROKE}"/>`,
    `<text class="axis-label" x="${px(left + plotWidth / 2)}" y="${
      px(height - 10)
    }" text-anchor="middle" fill="#333">${escapeXml(xLabel)}</text>`,
    `<text class="axis-label" x="14" y="${px(top + plotHeight / 2)}" text-anchor="middle" ` +
      `transform="rotate(-90 14 ${px(top + plotHeight / 2)})" fill="#333">${
        escapeXml(yLabel)
      }</text>`,
  );
  const leftOut = all.length - kept.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const description =
    `histogram "${options.title}": ${plural(kept.length, "value")} in ${
      plural(bins.length, "bin")
    }` + (leftOut > 0 ? ` (${plural(leftOut, "value")} left out)` : "");
  return new SvgImage(svgDocument(width, height, options.title, parts), description);
}

function evenEdges(min: number, max: number, bins: number): number[] {
  if (min === max) return [min, min + 1];
  const raw = (max - min) / Math.max(1, bins);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const edges: number[] = [];
  let edge = Math.floor(min / step) * step;
  edges.push(Number(edge.toPrecision(12)));
  while (edge <= max) {
    edge += step;
    edges.push(Number(edge.toPrecision(12)));
  }
  return edges;
}

function logEdges(min: number, max: number, perDecade: number): number[] {
  const first = Math.floor(Math.log10(min) * perDecade);
  const last = Math.floor(Math.log10(max) * perDecade) + 1;
  const edges: number[] = [];
  for (let k = first; k <= last; k++) edges.push(Number((10 ** (k / perDecade)).toPrecision(12)));
  return edges;
}

function countInto(values: Float64Array, edges: number[]): Bin[] {
  const bins: Bin[] = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1]!, count: 0 }));
  for (const value of values) {
    // Binary search for the last edge at or below the value.
    let low = 0;
    let high = bins.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (edges[mid]! <= value) low = mid;
      else high = mid - 1;
    }
    bins[low]!.count++;
  }
  return bins;
}
