// Owns the SVG value charts and diagrams return: shown inline as image/svg+xml, with a text summary.
/**
 * @example Wrap an SVG document
 * ```ts
 * import assert from "node:assert/strict";
 * import { SvgImage } from "./svg_image.ts";
 * import { mimeBundle } from "./show.ts";
 * const image = new SvgImage('<svg xmlns="http://www.w3.org/2000/svg"/>', "empty chart");
 * assert.ok(mimeBundle(image)["image/svg+xml"]?.startsWith("<svg"));
 * ```
 */
import { type Displayable, JUPYTER_DISPLAY, type MimeBundle } from "./_display.ts";

/** A standalone SVG document plus a one-line description for text-only viewers. */
export class SvgImage implements Displayable {
  /**
   * @param svg A complete `<svg xmlns="http://www.w3.org/2000/svg" …>` document.
   * @param description Plain-text stand-in, e.g. `bar chart "Anime types": 7 bars`.
   */
  constructor(readonly svg: string, readonly description: string) {}

  /** The bundle the Deno kernel displays: the SVG and its description. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "image/svg+xml": this.svg, "text/plain": this.description };
  }

  /** The SVG text, e.g. to write it to a file. */
  toString(): string {
    return this.svg;
  }
}
