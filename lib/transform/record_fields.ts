// Owns turning a scanned record into named text fields, or the reason it cannot be read.
/**
 * @example Read named fields of a record
 * ```ts ignore
 * import { readFields } from "./record_fields.ts";
 * const fields = readFields(record, header);
 * if (fields.ok) console.log(fields.get("MAL_ID"));
 * ```
 */
import {
  type CsvRecord,
  fieldText,
  fieldTexts,
  fieldUtf8,
  LARGE_FIELD_BYTES,
  utf8Problem,
  type Utf8Text,
} from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import type { RejectReason, TextValue } from "./values.ts";

/** Named fields of a well-formed record, or why it is not well-formed. */
export type RecordFields =
  | {
    ok: true;
    /** A field's text as a string. */
    get: (name: string) => string;
    /**
     * A field's text for a free-text column: a field of {@link LARGE_FIELD_BYTES} or more stays
     * UTF-8 bytes in the record's buffer (valid during the record callback only).
     */
    text: (name: string) => TextValue;
  }
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
  if (record.end - record.start >= LARGE_FIELD_BYTES) {
    return readLargeFields(record, names, positions, slots);
  }
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
  const get = (name: string) => texts[slots.get(name) ?? -1] ?? "";
  return { ok: true, get, text: get };
}

// A record of a large field: small fields are decoded one by one, large ones only checked, so that
// the record never becomes one string (a 60 MB synopsis would be 120 MB of UTF-16).
function readLargeFields(
  record: CsvRecord,
  names: readonly string[],
  positions: readonly number[],
  slots: ReadonlyMap<string, number>,
): RecordFields {
  const values: TextValue[] = [];
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i]!;
    const large = record.fieldEnds[position]! - record.fieldStarts[position]! >= LARGE_FIELD_BYTES;
    let value: TextValue;
    let problem: "invalid UTF-8" | "NUL" | undefined;
    if (large) {
      value = fieldUtf8(record, position);
      problem = utf8Problem(value.bytes);
    } else {
      try {
        value = fieldText(record, position);
        problem = value.includes("\0") ? "NUL" : undefined;
      } catch {
        value = "";
        problem = "invalid UTF-8";
      }
    }
    if (problem !== undefined) {
      const detail = problem === "NUL" ? "contains a NUL byte" : "is not valid UTF-8";
      return { ok: false, reason: "invalid_encoding", detail: `column "${names[i]}" ${detail}` };
    }
    values.push(value);
  }
  const text = (name: string) => values[slots.get(name) ?? -1] ?? "";
  return {
    ok: true,
    get: (name) => {
      const value = text(name);
      return typeof value === "string" ? value : utf8String(value);
    },
    text,
  };
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

// A large field where a string is unavoidable (a number column): decoded, quotes undoubled.
function utf8String({ bytes, doubledQuotes }: Utf8Text): string {
  const text = decoder.decode(bytes);
  return doubledQuotes ? text.replaceAll('""', '"') : text;
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
