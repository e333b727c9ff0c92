// Private: the display protocol of the Deno kernel, kept free of imports so every module can use it.

/** The key under which the Deno kernel looks for an object's rich representation. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** MIME type → content, e.g. `{"image/svg+xml": "<svg…>", "text/plain": "chart"}`. */
export type MimeBundle = Record<string, string>;

/** An object that knows how to show itself in a notebook. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}
