// Owns the hot path: validating animelist.csv records byte by byte and encoding them as binary COPY.
/**
 * @example Encode one record
 * ```ts ignore
 * import { AnimeListEncoder } from "./anime_list_encoder.ts";
 * const encoder = new AnimeListEncoder(header, { animeIds, statuses, reject });
 * encoder.encode(record);
 * for (const bytes of encoder.takeOutput()) await writer.writeBytes(bytes);
 * ```
 */
import type { CsvRecord } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import { describeMissingReference, type QuarantinedKeys } from "./missing_reference.ts";
import { quoteValue, type RejectReason, trimSpaces } from "./values.ts";

/** Source columns of animelist.csv, in the order of the COPY column list. */
export const ANIME_LIST_COLUMNS = [
  "user_id",
  "anime_id",
  "rating",
  "watching_status",
  "watched_episodes",
] as const;

/** What the encoder checks references against and where it sends rejects. */
export interface AnimeListRules {
  /** Loaded anime ids: `animeIds[id] === 1` when the id is in anime_master. */
  animeIds: Uint8Array;
  /** Loaded watching-status codes: `statuses[code] === 1` when defined. */
  statuses: Uint8Array;
  /** Anime ids anime.csv quarantined, named in the detail of rows that refer to them. */
  quarantinedAnime?: QuarantinedKeys;
  /** Status codes watching_status.csv quarantined, likewise. */
  quarantinedStatuses?: QuarantinedKeys;
  /** anime_list_source.source_id written with every row: 1 for the snapshot, 2, 3, ... for deltas. */
  sourceId: number;
  /** Quarantines a record. */
  reject: (record: CsvRecord, reason: RejectReason, detail: string) => void;
  /** Counts every encoded row for the aggregates (a full refresh's snapshot). */
  tally?: { add(animeId: number, status: number, rating: number, episodes: number): void };
  /**
   * Pairs whose rows are accepted but not written: a full refresh's deltas replace them (their
   * occurrences are counted, see lib/load/pair_set.ts).
   */
  replaced?: { hit(userId: number, animeId: number): boolean };
}

// Outcomes of parsing an integer field, kept outside the int32 range so no allocation is needed.
const EMPTY = -1e12;
const NOT_INTEGER = -2e12;
const TOO_LARGE = -3e12;

const COPY_SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const BUFFER_BYTES = 1 << 20;
const MAX_SPARE_BUFFERS = 4;
const MAX_ROW_BYTES = 52; // every row: 7 fields, 2 + 8 + 8 + 6 + 6 + 8 + 6 + 8 bytes
const FIELD_COUNT = 7;

/**
 * Validates records and writes accepted ones into binary COPY buffers. One pass over the bytes, no
 * strings and no objects per row: this loop handles 100M+ rows.
 */
export class AnimeListEncoder {
  readonly #positions: Int32Array;
  readonly #fieldCount: number;
  readonly #rules: AnimeListRules;
  #buffer = new Uint8Array(BUFFER_BYTES);
  #view = new DataView(this.#buffer.buffer);
  #offset = 0;
  #full: Uint8Array[] = [];
  // Buffers handed back by the writer: reusing them keeps 300 MB of garbage per 8M rows away from
  // the garbage collector.
  #spare: Uint8Array<ArrayBuffer>[] = [];
  readonly #lastValues = new Int32Array(3);
  /** Rows accepted so far (written, or replaced: see AnimeListRules.replaced). */
  rowsEncoded = 0;
  /** Physical lines the accepted rows cover. */
  linesEncoded = 0;

  constructor(header: HeaderMap, rules: AnimeListRules) {
    this.#positions = Int32Array.from(ANIME_LIST_COLUMNS, (name) => header.index.get(name)!);
    this.#fieldCount = header.fieldCount;
    this.#rules = rules;
    this.#buffer.set(COPY_SIGNATURE);
    this.#offset = 19; // signature, flags (int32 0) and header extension length (int32 0)
  }

  /**
   * user_id and anime_id of the last record accepted by {@link encode}, or of the last one refused
   * only for a reference its dimension does not define.
   */
  lastUserId = 0;
  lastAnimeId = 0;

  /**
   * Validates one record; encodes it or sends it to `reject`.
   *
   * @returns True when the record was accepted (and encoded).
   */
  encode(record: CsvRecord): boolean {
    if (record.malformed !== undefined) {
      return this.#refuse(record, "malformed_csv", record.malformed);
    }
    if (record.fieldCount !== this.#fieldCount) {
      const detail = `expected ${this.#fieldCount} fields, found ${record.fieldCount}`;
      return this.#refuse(record, "malformed_csv", detail);
    }
    const positions = this.#positions;
    const userId = fieldInteger(record, positions[0]!);
    if (userId < 0) return this.#rejectValue(record, 0, userId);
    const animeId = fieldInteger(record, positions[1]!);
    if (animeId < 0) return this.#rejectValue(record, 1, animeId);
    const rating = fieldInteger(record, positions[2]!);
    if (rating < 0 || rating > 10) return this.#rejectValue(record, 2, rating, 10);
    // Every analyst question groups by status: empty or Unknown is missing, not NULL.
    const status = fieldInteger(record, positions[3]!);
    if (status < 0 || status > 32767) return this.#rejectValue(record, 3, status, 32767);
    const episodes = fieldInteger(record, positions[4]!);
    if (episodes < 0) return this.#rejectValue(record, 4, episodes);
    // Set before the references are checked: a line refused only for its reference is held back
    // (etl.held_back_list_rows) with its values, and in a delta it is still the pair's event.
    this.lastUserId = userId;
    this.lastAnimeId = animeId;
    this.#lastValues[0] = rating;
    this.#lastValues[1] = status;
    this.#lastValues[2] = episodes;
    if (this.#rules.statuses[status] !== 1) {
      const detail = describeMissingReference(
        { column: "watching_status", key: status, file: "watching_status.csv" },
        this.#rules.quarantinedStatuses,
      );
      return this.#refuse(record, "unknown_watching_status", detail);
    }
    if (this.#rules.animeIds[animeId] !== 1) {
      const detail = describeMissingReference(
        { column: "anime_id", key: animeId, file: "anime.csv" },
        this.#rules.quarantinedAnime,
      );
      return this.#refuse(record, "unknown_anime_id", detail);
    }
    if (this.#rules.replaced?.hit(userId, animeId)) {
      this.rowsEncoded++;
      this.linesEncoded += record.lineCount;
      return true;
    }
    if (this.#offset + MAX_ROW_BYTES > BUFFER_BYTES) this.#rotate();
    const view = this.#view;
    const at = this.#offset;
    view.setInt16(at, FIELD_COUNT);
    view.setInt32(at + 2, 4);
    view.setInt32(at + 6, userId);
    view.setInt32(at + 10, 4);
    view.setInt32(at + 14, animeId);
    view.setInt32(at + 18, 2);
    view.setInt16(at + 22, rating);
    view.setInt32(at + 24, 2);
    view.setInt16(at + 28, status);
    view.setInt32(at + 30, 4);
    view.setInt32(at + 34, episodes);
    view.setInt32(at + 38, 2);
    view.setInt16(at + 42, this.#rules.sourceId);
    view.setInt32(at + 44, 4);
    view.setInt32(at + 48, record.line);
    this.#offset = at + MAX_ROW_BYTES;
    this.#rules.tally?.add(animeId, status, rating, episodes);
    this.rowsEncoded++;
    this.linesEncoded += record.lineCount;
    return true;
  }

  /**
   * rating, watching_status and watched_episodes of the last record {@link encode} accepted, or of
   * the last one refused only for a reference.
   */
  lastValues(): [number, number, number] {
    const values = this.#lastValues;
    return [values[0]!, values[1]!, values[2]!];
  }

  /**
   * Validates a removal: only its shape, `user_id` and `anime_id` (its other columns may be empty).
   * Encodes nothing.
   *
   * @returns True when the removal is valid; its pair is then in lastUserId and lastAnimeId.
   */
  acceptRemoval(record: CsvRecord): boolean {
    if (record.malformed !== undefined) {
      return this.#refuse(record, "malformed_csv", record.malformed);
    }
    if (record.fieldCount !== this.#fieldCount) {
      const detail = `expected ${this.#fieldCount} fields, found ${record.fieldCount}`;
      return this.#refuse(record, "malformed_csv", detail);
    }
    const userId = fieldInteger(record, this.#positions[0]!);
    if (userId < 0) return this.#rejectValue(record, 0, userId);
    const animeId = fieldInteger(record, this.#positions[1]!);
    if (animeId < 0) return this.#rejectValue(record, 1, animeId);
    this.lastUserId = userId;
    this.lastAnimeId = animeId;
    return true;
  }

  /** Buffers filled since the last call, ready to send; call {@link finish} once at the end. */
  takeOutput(): Uint8Array[] {
    const full = this.#full;
    this.#full = [];
    return full;
  }

  /**
   * Hands back a buffer from {@link takeOutput} once it has been written, for reuse.
   *
   * @param bytes A buffer returned by {@link takeOutput} that nothing references any more.
   */
  recycle(bytes: Uint8Array): void {
    if (bytes.buffer.byteLength === BUFFER_BYTES && this.#spare.length < MAX_SPARE_BUFFERS) {
      this.#spare.push(new Uint8Array(bytes.buffer as ArrayBuffer));
    }
  }

  /** Appends the COPY trailer and returns the remaining output. */
  finish(): Uint8Array[] {
    if (this.#offset + 2 > BUFFER_BYTES) this.#rotate();
    this.#view.setInt16(this.#offset, -1);
    this.#offset += 2;
    this.#rotate();
    return this.takeOutput();
  }

  #rotate() {
    this.#full.push(this.#buffer.subarray(0, this.#offset));
    this.#buffer = this.#spare.pop() ?? new Uint8Array(BUFFER_BYTES);
    this.#view = new DataView(this.#buffer.buffer);
    this.#offset = 0;
  }

  #rejectValue(record: CsvRecord, column: number, value: number, max = 2147483647): false {
    const name = ANIME_LIST_COLUMNS[column]!;
    const field = this.#positions[column]!;
    if (value === EMPTY || (value === NOT_INTEGER && isUnknown(record, field))) {
      return this.#refuse(record, "missing_value", `column "${name}": a value is required`);
    }
    // The text exactly as written (a tab stays visible), decoded only as far as a detail shows it.
    const start = record.fieldStarts[field]!;
    const end = Math.min(record.fieldEnds[field]!, start + MAX_SHOWN_BYTES);
    const decoded = decoder.decode(record.bytes.subarray(start, end));
    const text = record.fieldEscaped[field] === 1 ? decoded.replaceAll('""', '"') : decoded;
    if (value === NOT_INTEGER) {
      return this.#refuse(
        record,
        "invalid_value",
        `column "${name}": ${quoteValue(text)} is not an integer`,
      );
    }
    return this.#refuse(
      record,
      "out_of_range",
      `column "${name}": ${trimSpaces(text)} is outside 0..${max}`,
    );
  }

  #refuse(record: CsvRecord, reason: RejectReason, detail: string): false {
    this.#rules.reject(record, reason, detail);
    return false;
  }
}

const decoder = new TextDecoder();
// A reject's detail is cut to 300 characters: a 5 MB number need not become a 5 MB string first.
const MAX_SHOWN_BYTES = 1024;

/**
 * Parses a field as a non-negative or negative integer from bytes: optional spaces and sign, digits,
 * optionally `.0…` (pandas float formatting). Returns EMPTY, NOT_INTEGER or TOO_LARGE sentinels.
 */
function fieldInteger(record: CsvRecord, field: number): number {
  const bytes = record.bytes;
  let i = record.fieldStarts[field]!;
  let end = record.fieldEnds[field]!;
  while (i < end && bytes[i] === 32) i++;
  while (end > i && bytes[end - 1] === 32) end--;
  if (i === end) return EMPTY;
  let negative = false;
  if (bytes[i] === 45 || bytes[i] === 43) {
    negative = bytes[i] === 45;
    i++;
  }
  let value = 0;
  let digits = 0;
  while (i < end) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    digits++;
    i++;
  }
  if (digits === 0) return NOT_INTEGER;
  if (i < end) {
    if (bytes[i] !== 46) return NOT_INTEGER;
    for (i++; i < end; i++) if (bytes[i] !== 48) return NOT_INTEGER;
  }
  // Compare the value, not the digit count: leading zeros (`007`) are valid, as in parseInteger.
  if (value > 2147483647) return TOO_LARGE;
  return negative ? -value || 0 : value;
}

const UNKNOWN = [117, 110, 107, 110, 111, 119, 110]; // "unknown"

// Surrounding spaces are ignored, as in fieldInteger and values.isMissing.
function isUnknown(record: CsvRecord, field: number): boolean {
  const bytes = record.bytes;
  let start = record.fieldStarts[field]!;
  let end = record.fieldEnds[field]!;
  while (start < end && bytes[start] === 32) start++;
  while (end > start && bytes[end - 1] === 32) end--;
  if (end - start !== UNKNOWN.length) return false;
  return UNKNOWN.every((letter, k) => (record.bytes[start + k]! | 0x20) === letter);
}
