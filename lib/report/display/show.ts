// Owns putting a value into a notebook: a MIME bundle shown with Deno.jupyter, or text elsewhere.
/**
 * @example Show an HTML fragment (prints its text form outside a notebook)
 * ```ts
 * import { show } from "./show.ts";
 * import { htmlTable } from "./html_table.ts";
 * await show(htmlTable([{ file: "anime.csv", rows: 17_562 }]));
 * ```
 */
import { type Displayable, JUPYTER_DISPLAY, type MimeBundle } from "./_display.ts";
import { htmlTable } from "./html_table.ts";

export { type Displayable, JUPYTER_DISPLAY, type MimeBundle } from "./_display.ts";

const SETTLE_MS = 20;

interface JupyterApi {
  display(bundle: MimeBundle, options: { raw: boolean }): Promise<void>;
}

/**
 * Shows a value as a cell output. In the Deno kernel it sends the value's MIME bundle (SVG, HTML
 * with a plain-text fallback) as display data, which nbconvert keeps and GitHub renders; elsewhere
 * it prints the bundle's `text/plain` form.
 *
 * A cell's last expression is not shown when the cell contains an `import` (it runs as a module),
 * so notebooks call this explicitly. Text a cell should keep goes through `show` too, not
 * console.log as the cell's last action: console output written just before a cell ends can be
 * lost (see the pause below).
 *
 * @param value A {@link Displayable}, a polars DataFrame (its first rows as a table), a string
 *   (plain text) or anything else (inspected).
 */
export async function show(value: unknown): Promise<void> {
  const bundle = mimeBundle(value);
  const jupyter = jupyterApi();
  if (jupyter !== undefined) {
    await jupyter.display(bundle, { raw: true });
    // The Deno kernel can report a cell finished before its last outputs leave, and a frontend
    // then drops them. executeNotebook does not depend on this (its executor reads on until the
    // kernel has published everything, see output_barrier.py); a pause only makes the loss rarer
    // in a live JupyterLab, which nothing here can fix.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  } else {
    console.log(bundle["text/plain"] ?? Object.values(bundle)[0] ?? "");
  }
}

/** The MIME bundle {@link show} sends for a value. */
export function mimeBundle(value: unknown): MimeBundle {
  // Checked first: polars frames carry their own display method, which emits every shown row twice.
  if (isFrame(value)) return frameBundle(value);
  if (isDisplayable(value)) return value[JUPYTER_DISPLAY]();
  if (typeof value === "string") return { "text/plain": value };
  return { "text/plain": Deno.inspect(value, { colors: false, depth: 4 }) };
}

/** The part of a polars DataFrame that showing it needs (checked by shape, so polars stays optional). */
interface FrameLike {
  height: number;
  width: number;
  head(rows: number): FrameLike;
  toRecords(): Record<string, unknown>[];
  toString(): string;
}

const FRAME_ROWS = 10;

// A frame shows its first rows as an HTML table with its shape in the caption.
function frameBundle(frame: FrameLike): MimeBundle {
  const head = frame.head(FRAME_ROWS);
  const caption =
    `polars DataFrame: ${frame.height.toLocaleString("en-US")} rows × ${frame.width} columns` +
    (frame.height > FRAME_ROWS ? `, first ${FRAME_ROWS} shown` : "");
  const table = htmlTable(head.toRecords(), { caption, maxRows: FRAME_ROWS, maxChars: 60 });
  return { "text/html": table.html, "text/plain": `${caption}\n${head.toString()}` };
}

function isFrame(value: unknown): value is FrameLike {
  const frame = value as Partial<FrameLike> | null;
  return typeof frame === "object" && frame !== null && typeof frame.height === "number" &&
    typeof frame.width === "number" && typeof frame.head === "function" &&
    typeof frame.toRecords === "function";
}

function isDisplayable(value: unknown): value is Displayable {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Displayable>)[JUPYTER_DISPLAY] === "function";
}

// Outside `deno jupyter`, reading Deno.jupyter throws ("only available in `deno jupyter`").
function jupyterApi(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}
