// Owns bar charts of labelled counts as standalone SVG: horizontal or vertical, linear or log scale.
/**
 * @example Chart the anime types
 * ```ts
 * import assert from "node:assert/strict";
 * import { barChart } from "./bar_chart.ts";
 * const chart = barChart([{ label: "TV", value: 4996 }, { label: "Movie", value: 3041 }], {
 *   title: "Anime by type",
 * });
 * assert.equal(chart.svg.match(/class="bar"/g)?.length, 2);
 * ```
 */
import { formatNumber } from "./format.ts";
import { SvgImage } from "./svg_image.ts";
import {
  AXIS_STROKE,
  BAR_FILL,
  clipText,
  escapeXml,
  GRID_STROKE,
  linearTicks,
  logTicks,
  niceMax,
  px,
  svgDocument,
  textWidth,
  tickLabel,
} from "./_svg.ts";

/** One bar: a category and its value. */
export interface Bar {
  label: string;
  value: number;
  /** Text after the value label of a horizontal bar, e.g. `48,059 votes`. */
  note?: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** Chart title, also the SVG's accessible name. */
  title: string;
  /** Label of the value axis; default `count`. */
  valueLabel?: string;
  /** `horizontal` (default): labels on the left, for long or many labels; `vertical`: columns. */
  orientation?: "horizontal" | "vertical";
  /** Log10 value axis for values spanning orders of magnitude; default false (linear from 0). */
  logScale?: boolean;
  /**
   * Where a linear value axis starts instead of 0, for values close together (scores from 8 to
   * 9.2); the axis label says so. Every value must be at least this.
   */
  axisFrom?: number;
  /** Image width in pixels; default 640. */
  width?: number;
}

/**
 * Draws the bars in the order given. Each bar is a `<rect class="bar">` carrying `data-label` and
 * `data-value`, and its value is printed next to it, every value with the same decimals. Labels
 * are bidi-isolated, so a right-to-left override in a name cannot reorder the text after it.
 *
 * @param bars Categories and values; values must be finite and not negative.
 * @param options Title, axis label, orientation, scale, width.
 * @returns The chart, shown inline by `show`.
 * @throws {RangeError} When a value is negative or not finite, below `axisFrom`, or a log scale
 *   gets no positive value.
 */
export function barChart(bars: readonly Bar[], options: BarChartOptions): SvgImage {
  for (const bar of bars) {
    if (!Number.isFinite(bar.value) || bar.value < 0) {
      throw new RangeError(
        `Cannot draw bar chart "${options.title}": bar "${bar.label}" has value ${bar.value}; values must be finite and not negative`,
      );
    }
    if (options.axisFrom !== undefined && bar.value < options.axisFrom) {
      throw new RangeError(
        `Cannot draw bar chart "${options.title}": bar "${bar.label}" has value ${bar.value}, below the axis start ${options.axisFrom}`,
      );
    }
  }
  const scale = valueScale(bars, options);
  const body = (options.orientation ?? "horizontal") === "horizontal"
    ? horizontal(bars, options, scale)
    : vertical(bars, options, scale);
  const summary =
    `bar chart "${options.title}": ${bars.length} bar${bars.length === 1 ? "" : "s"}` +
    (options.logScale ? ", log scale" : "");
  return new SvgImage(svgDocument(body.width, body.height, options.title, body.parts), summary);
}

interface Scale {
  /** 0..1 position of a value along the value axis. */
  position(value: number): number;
  ticks: number[];
}

function valueScale(bars: readonly Bar[], options: BarChartOptions): Scale {
  const values = bars.map((bar) => bar.value);
  const max = Math.max(0, ...values);
  if (options.logScale) {
    const positive = values.filter((value) => value > 0);
    if (positive.length === 0) {
      throw new RangeError(
        `Cannot draw bar chart "${options.title}" on a log scale: no value is above 0`,
      );
    }
    // Start one decade below the smallest value so that it still gets a visible bar.
    const low = 10 ** (Math.ceil(Math.log10(Math.min(...positive))) - 1);
    const ticks = logTicks(low, max);
    const from = Math.log10(ticks[0]!);
    const span = Math.log10(ticks.at(-1)!) - from;
    return {
      position: (value) => (value <= 0 ? 0 : Math.max(0, (Math.log10(value) - from) / span)),
      ticks,
    };
  }
  const from = options.axisFrom ?? 0;
  if (from > 0) {
    const ticks = linearTicks(from, max > from ? max : from + 1);
    const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
    let top = ticks.at(-1)!;
    if (top < max || top <= from) ticks.push(top += step);
    if (ticks[0]! > from) ticks.unshift(from);
    return { position: (value) => (value - from) / (top - from), ticks };
  }
  const top = niceMax(max);
  return { position: (value) => value / top, ticks: linearTicks(0, top) };
}

interface Body {
  width: number;
  height: number;
  parts: string[];
}

const BAR_HEIGHT = 16;
const ROW_HEIGHT = 22;

function horizontal(bars: readonly Bar[], options: BarChartOptions, scale: Scale): Body {
  const width = options.width ?? 640;
  const labelWidth = Math.min(
    Math.max(40, ...bars.map((bar) => textWidth(bar.label))),
    width * 0.35,
  );
  const left = labelWidth + 16;
  const valueText = valueFormatter(bars);
  const valueRoom = Math.max(40, ...bars.map((bar) => textWidth(valueText(bar)))) + 10;
  const plotWidth = width - left - valueRoom;
  const top = 40;
  const plotHeight = bars.length * ROW_HEIGHT;
  const height = top + plotHeight + 48;
  const parts: string[] = [];
  for (const tick of scale.ticks) {
    const x = left + scale.position(tick) * plotWidth;
    parts.push(
      `<line x1="${px(x)}" y1="${top}" x2="${px(x)}" y2="${
        px(top + plotHeight)
      }" stroke="${GRID_STROKE}"/>`,
      `<text class="tick" x="${px(x)}" y="${
        px(top + plotHeight + 16)
      }" text-anchor="middle" fill="#555">${escapeXml(tickLabel(tick))}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = top + i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    const length = scale.position(bar.value) * plotWidth;
    parts.push(
      `<text class="label" x="${px(left - 8)}" y="${
        px(y + BAR_HEIGHT - 4)
      }" text-anchor="end" fill="#222">${isolatedLabel(clipText(bar.label, labelWidth))}</text>`,
      `<rect class="bar" data-label="${escapeXml(bar.label)}" data-value="${bar.value}" x="${
        px(left)
      }" y="${px(y)}" width="${px(length)}" height="${BAR_HEIGHT}" fill="${BAR_FILL}"/>`,
      `<text class="value" x="${px(left + length + 4)}" y="${px(y + BAR_HEIGHT - 4)}" fill="#333">${
        escapeXml(valueText(bar))
      }</text>`,
    );
  });
  parts.push(
    `<line x1="${px(left)}" y1="${top}" x2="${px(left)}" y2="${
      px(top + plotHeight)
    }" stroke="${AXIS_STROKE}"/>`,
    `<text class="axis-label" x="${px(left + plotWidth / 2)}" y="${
      px(height - 10)
    }" text-anchor="middle" fill="#333">${escapeXml(axisLabel(options))}</text>`,
  );
  return { width, height, parts };
}

function vertical(bars: readonly Bar[], options: BarChartOptions, scale: Scale): Body {
  const width = options.width ?? 640;
  const left = 56;
  const right = 16;
  const top = 40;
  const plotWidth = width - left - right;
  const slot = plotWidth / Math.max(1, bars.length);
  const rotate = bars.some((bar) => textWidth(bar.label) > slot - 4);
  const labelRoom = rotate ? Math.min(120, Math.max(...bars.map((b) => textWidth(b.label)))) : 16;
  const plotHeight = 220;
  const height = top + plotHeight + labelRoom + 40;
  const bottom = top + plotHeight;
  const parts: string[] = [];
  for (const tick of scale.ticks) {
    const y = bottom - scale.position(tick) * plotHeight;
    parts.push(
      `<line x1="${left}" y1="${px(y)}" x2="${px(left + plotWidth)}" y2="${
        px(y)
      }" stroke="${GRID_STROKE}"/>`,
      `<text class="tick" x="${left - 6}" y="${px(y + 4)}" text-anchor="end" fill="#555">${
        escapeXml(tickLabel(tick))
      }</text>`,
    );
  }
  const barWidth = Math.max(1, slot * 0.75);
  bars.forEach((bar, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    const length = scale.position(bar.value) * plotHeight;
    const centre = x + barWidth / 2;
    const label = rotate
      ? `<text class="label" x="${px(centre)}" y="${px(bottom + 12)}" text-anchor="end" ` +
        `transform="rotate(-40 ${px(centre)} ${px(bottom + 12)})" fill="#222">${
          isolatedLabel(clipText(bar.label, labelRoom))
        }</text>`
      : `<text class="label" x="${px(centre)}" y="${
        px(bottom + 14)
      }" text-anchor="middle" fill="#222">${isolatedLabel(bar.label)}</text>`;
    parts.push(
      `<rect class="bar" data-label="${escapeXml(bar.label)}" data-value="${bar.value}" x="${
        px(x)
      }" y="${px(bottom - length)}" width="${px(barWidth)}" height="${
        px(length)
      }" fill="${BAR_FILL}"/>`,
      label,
    );
    if (bars.length <= 24) {
      parts.push(
        `<text class="value" x="${px(centre)}" y="${
          px(bottom - length - 4)
        }" text-anchor="middle" font-size="10" fill="#333">${
          escapeXml(tickLabel(bar.value))
        }</text>`,
      );
    }
  });
  parts.push(
    `<line x1="${left}" y1="${px(bottom)}" x2="${px(left + plotWidth)}" y2="${
      px(bottom)
    }" stroke="${AXIS_STROKE}"/>`,
    `<text class="axis-label" x="14" y="${px(top + plotHeight / 2)}" text-anchor="middle" ` +
      `transform="rotate(-90 14 ${px(top + plotHeight / 2)})" fill="#333">${
        escapeXml(axisLabel(options))
      }</text>`,
  );
  return { width, height, parts };
}

function axisLabel(options: BarChartOptions): string {
  const label = options.valueLabel ?? "count";
  if (options.logScale) return `${label} (log scale)`;
  if (options.axisFrom) return `${label} (axis starts at ${options.axisFrom}, not 0)`;
  return label;
}

// Every value with the decimals the most precise one needs (at most two), so 9 reads 9.00 beside
// 9.11; then the bar's note.
function valueFormatter(bars: readonly Bar[]): (bar: Bar) => string {
  const decimals = Math.max(
    0,
    ...bars.map((bar) => {
      if (Number.isInteger(bar.value)) return 0;
      const tenths = Number(bar.value.toFixed(2)) * 10;
      return Math.abs(tenths - Math.round(tenths)) < 1e-6 ? 1 : 2;
    }),
  );
  return (bar) => {
    const value = decimals === 0 ? formatNumber(bar.value) : bar.value.toLocaleString("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    return bar.note ? `${value} · ${bar.note}` : value;
  };
}

// A label from the data in its own bidi isolate; a clipping ellipsis stays outside it, after it.
function isolatedLabel(text: string): string {
  const clipped = text.endsWith("…") ? "…" : "";
  return `<tspan style="unicode-bidi:isolate">${
    escapeXml(clipped ? text.slice(0, -1) : text)
  }</tspan>${clipped}`;
}
