// Owns turning a scanned record into named text fields, or the reason it cannot be read.
/**
 * @example Read named fields of a record
 * ```ts ignore
 * import { readFields } from "./record_fields.ts";
 * const fields = readFields(record, header);
 * if (fields.ok) console.log(fields.get("MAL_ID"));
 * ```
 */
import { type CsvRecord, fieldText } from "../extract/csv_scanner.ts";
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
  const values = new Map<string, string>();
  for (const [name, position] of header.index) {
    let text: string;
    try {
      text = fieldText(record, position);
    } catch {
      return {
        ok: false,
        reason: "invalid_encoding",
        detail: `column "${name}" is not valid UTF-8`,
      };
    }
    if (text.includes("\0")) {
      return {
        ok: false,
        reason: "invalid_encoding",
        detail: `column "${name}" contains a NUL byte`,
      };
    }
    values.set(name, text);
  }
  return { ok: true, get: (name) => values.get(name) ?? "" };
}
