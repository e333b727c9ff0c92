// Owns mapping a CSV header to the columns a loader needs, by trimmed name, never by position.
/**
 * @example Map a pandas-saved header with its unnamed index column
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapHeaderNames } from "./header_map.ts";
 * const header = mapHeaderNames(["", "status", " description"], ["status", "description"], "ws.csv");
 * assert.ok(header.index.get("description") === 2 && header.ignored.length === 0);
 * ```
 */
import { PipelineError } from "../errors.ts";

/** Where each needed column sits, plus the columns the loader does not use. */
export interface HeaderMap {
  /** Column index by required name. */
  index: Map<string, number>;
  /** Number of fields every record must have. */
  fieldCount: number;
  /** Names of source columns not loaded (the pandas index column is not listed). */
  ignored: string[];
  /** Every header name, trimmed, in file order. */
  names: string[];
}

// pandas writes its index column with an empty name; read back it is "Unnamed: 0".
const PANDAS_INDEX = new Set(["", "Unnamed: 0"]);

/**
 * Maps header names (trimmed; BOM and CR already removed by the scanner) to the required columns.
 *
 * @param names Header fields as text.
 * @param required Column names the loader needs.
 * @param sourceKey Named in errors.
 * @throws {PipelineError} `CSV_HEADER` naming missing or repeated columns and the columns found.
 */
export function mapHeaderNames(
  names: string[],
  required: readonly string[],
  sourceKey: string,
): HeaderMap {
  const trimmed = names.map((name) => name.trim());
  const index = new Map<string, number>();
  const repeated = trimmed.filter((name, i) => name !== "" && trimmed.indexOf(name) !== i);
  if (repeated.length > 0) {
    throw new PipelineError(
      "CSV_HEADER",
      `Cannot map columns of "${sourceKey}": repeated column names ${
        quoteAll([...new Set(repeated)])
      }`,
      { stage: "extract" },
    );
  }
  for (const name of required) {
    const position = trimmed.indexOf(name);
    if (position >= 0) index.set(name, position);
  }
  const missing = required.filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new PipelineError(
      "CSV_HEADER",
      `Cannot map columns of "${sourceKey}": missing required ${quoteAll(missing)}; found ${
        quoteAll(trimmed)
      }`,
      { stage: "extract" },
    );
  }
  const ignored = trimmed.filter((name, i) =>
    !PANDAS_INDEX.has(name) && ![...index.values()].includes(i)
  );
  return { index, fieldCount: names.length, ignored, names: trimmed };
}

/**
 * Which fields may hold a line break inside quotes: none when `singleLine` is `"all"`, else every
 * field but the listed columns and the pandas index column (numbers, which never hold one).
 *
 * @returns `lineBreaks[i] === 1` when field `i` may hold a line break.
 */
export function lineBreakFields(
  header: HeaderMap,
  singleLine: "all" | readonly string[],
): Uint8Array {
  const lineBreaks = new Uint8Array(header.fieldCount);
  if (singleLine === "all") return lineBreaks;
  header.names.forEach((name, i) => {
    lineBreaks[i] = PANDAS_INDEX.has(name) || singleLine.includes(name) ? 0 : 1;
  });
  return lineBreaks;
}

function quoteAll(names: string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}
