// Owns the HTML value tables and notes return: shown as text/html, with a plain-text fallback.
/**
 * @example Wrap escaped HTML
 * ```ts
 * import assert from "node:assert/strict";
 * import { HtmlFragment } from "./html_fragment.ts";
 * import { mimeBundle } from "./show.ts";
 * const note = new HtmlFragment("<p>3 files</p>", "3 files");
 * assert.equal(mimeBundle(note)["text/html"], "<p>3 files</p>");
 * ```
 */
import { type Displayable, JUPYTER_DISPLAY, type MimeBundle } from "./_display.ts";

/** An HTML fragment (already escaped) and the same content as plain text. */
export class HtmlFragment implements Displayable {
  /**
   * @param html Escaped HTML, without scripts: it must render on GitHub and in nbconvert's HTML.
   * @param text Plain-text form, for terminals and text-only viewers.
   */
  constructor(readonly html: string, readonly text: string) {}

  /** The bundle the Deno kernel displays. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": this.html, "text/plain": this.text };
  }

  /** The plain-text form. */
  toString(): string {
    return this.text;
  }
}
