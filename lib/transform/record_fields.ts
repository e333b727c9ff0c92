// Owns turning a scanned record into named text fields, or the reason it cannot be read.
/**
 * @example Read named fields of a record
 * ```ts ignore
 * import { readFields } from "./record_fields.ts";
 * const fields = readFields(record, header);
 * if (fields.ok) console.log(fields.get("MAL_ID"));
 * ```
 */
import { type CsvRecord, fieldTexts } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "./header_map.ts";
import type { RejectReason } from "./values.ts";

/** Named fields of a well-formed record, or why it is not well-formed. */
export type RecordFields =
  | { ok: true; get: (name: string) => string }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * Checks a record's shape and encoding and decodes the needed fields.
 *
 * @returns `malformed_csv` for broken quoting or a wrong field count; `invalid_encoding` for invalid
 *   UTF-8 or a NUL byte (PostgreSQL text cannot hold NUL).
 */
export function readFields(record: CsvRecord, header: HeaderMap): RecordFields {
  if (record.malformed !== undefined) {
    return { ok: false, reason: "malformed_csv", detail: record.malformed };
  }
  if (record.fieldCount !== header.fieldCount) {
    return {
      ok: false,
      reason: "malformed_csv",
      detail: `expected ${header.fieldCount} fields, found ${record.fieldCount}`,
    };
  }
  const { names, positions, slots } = layoutOf(header);
  let texts: string[];
  try {
    texts = fieldTexts(record, positions);
  } catch (error) {
    const index = ((error as Error).cause as { index?: number } | undefined)?.index;
    const name = names[positions.indexOf(index ?? -1)] ?? "?";
    return { ok: false, reason: "invalid_encoding", detail: `column "${name}" is not valid UTF-8` };
  }
  for (let i = 0; i < texts.length; i++) {
    if (texts[i]!.includes("\0")) {
      return {
        ok: false,
        reason: "invalid_encoding",
        detail: `column "${names[i]}" contains a NUL byte`,
      };
    }
  }
  return { ok: true, get: (name) => texts[slots.get(name) ?? -1] ?? "" };
}

/** The needed columns in record order, worked out once per header instead of once per row. */
interface FieldLayout {
  names: string[];
  positions: number[];
  slots: Map<string, number>;
}

const layouts = new WeakMap<HeaderMap, FieldLayout>();

function layoutOf(header: HeaderMap): FieldLayout {
  let layout = layouts.get(header);
  if (layout === undefined) {
    const columns = [...header.index].sort((a, b) => a[1] - b[1]);
    layout = {
      names: columns.map(([name]) => name),
      positions: columns.map(([, position]) => position),
      slots: new Map(columns.map(([name], slot) => [name, slot])),
    };
    layouts.set(header, layout);
  }
  return layout;
}
