// Private helpers of the SVG charts: escaping, axis ticks, label widths and the shared document frame.

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^k). */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

/** Upper end of a linear axis: the first round tick at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const ticks = linearTicks(0, max);
  const last = ticks.at(-1) ?? max;
  const step = ticks.length > 1 ? last - ticks.at(-2)! : max;
  return last >= max ? last : last + step;
}

/** Powers of ten from 10^floor(log10(min)) to 10^ceil(log10(max)), for a log axis. */
export function logTicks(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(Math.max(min, 1e-12)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1e-12))));
  const ticks: number[] = [];
  for (let k = low; k <= high; k++) ticks.push(10 ** k);
  return ticks;
}

/** Short tick label: 1k, 2.5M, 0.5. */
export function tickLabel(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number) => Number(n.toPrecision(3)).toString();
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

/** Approximate width in pixels of text in the charts' sans-serif font (generous, to avoid overlap). */
export function textWidth(text: string, fontSize = 12, bold = false): number {
  let units = 0;
  for (const char of text) {
    units += char.charCodeAt(0) > 0x2e80
      ? 1
      : /[A-Z MWmw]/.test(char)
      ? 0.74
      : /[il.,:;'|]/.test(char)
      ? 0.3
      : 0.6;
  }
  return units * fontSize * (bold ? 1.1 : 1);
}

/** Cuts text to about `maxWidth` pixels, ending with an ellipsis when cut. */
export function clipText(text: string, maxWidth: number, fontSize = 12): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  let clipped = text;
  while (clipped.length > 1 && textWidth(`${clipped}…`, fontSize) > maxWidth) {
    clipped = clipped.slice(0, -1);
  }
  return `${clipped}…`;
}

/** Rounds a coordinate to one decimal to keep the SVG small. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Wraps chart content in a standalone SVG document with a title and the shared styles. */
export function svgDocument(
  width: number,
  height: number,
  title: string,
  body: string[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
    `viewBox="0 0 ${px(width)} ${px(height)}" role="img" aria-label="${escapeXml(title)}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text class="chart-title" x="${px(width / 2)}" y="20" text-anchor="middle" ` +
    `font-size="14" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
    ...body,
    `</svg>`,
  ].join("\n");
}

/** Fill colour of bars. */
export const BAR_FILL = "#4c78a8";
/** Colour of axes and grid lines. */
export const AXIS_STROKE = "#888";
export const GRID_STROKE = "#e4e4e4";
