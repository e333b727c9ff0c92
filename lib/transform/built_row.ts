// Owns the shape every row builder returns: a cleaned row with its key, or why it is quarantined.
import type { CopyValue } from "./copy_text_row.ts";
import type { RejectReason, TextValue } from "./values.ts";

/** A cleaned row with its primary key, or why the row is quarantined. */
export type BuiltRow =
  | { ok: true; key: number; values: CopyValue[] }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * Cleans one source row. `get` returns a named field's text; `text` the same for free-text
 * columns, where a large field stays UTF-8 bytes (valid during the record callback only).
 */
export type RowBuilder = (
  get: (name: string) => string,
  text: (name: string) => TextValue,
) => BuiltRow;
