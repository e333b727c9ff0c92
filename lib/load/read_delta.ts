// Owns reading one daily delta: validating its lines as animelist.csv's (the snapshot's encoder and
// reasons), its `removed` column, and keeping the final event of each pair, with its line accounting.
/**
 * @example Read a delta before merging it
 * ```ts ignore
 * import { readDelta } from "./read_delta.ts";
 * const { result, events } = await readDelta(context, 2, lookups);
 * console.log(result.rowsQuarantined, events.superseded, events.size);
 * ```
 */
import type { CsvRecord } from "../extract/csv_scanner.ts";
import { fieldText } from "../extract/csv_scanner.ts";
import type { HeaderMap } from "../extract/header_map.ts";
import { scanSource } from "../extract/scan_source.ts";
import { ANIME_LIST_COLUMNS, AnimeListEncoder } from "../transform/anime_list_encoder.ts";
import { DeltaEvents, INADMISSIBLE, REMOVAL, UPSERT } from "./delta_events.ts";
import type { FileLoadContext, FileLoadResult } from "./file_load.ts";
import type { ReferenceLookups } from "./load_anime_list.ts";
import { RejectSink } from "./reject_sink.ts";

/** The optional column of a delta that marks a removal. */
export const REMOVED_COLUMN = "removed";

/** A delta read and validated: its file accounting and the final event of each pair. */
export interface DeltaRead {
  result: FileLoadResult;
  events: DeltaEvents;
  /**
   * Settles once its rejects are committed: already settled, unless `writeRejectsLater` was asked
   * for, when the caller must await it (it rejects with the rejects' COPY's failure).
   */
  rejectsWritten: Promise<void>;
}

// The encoder's rows are never written: a delta's events go to DeltaEvents. Telling it every pair
// is replaced makes it validate and count a row without encoding it as binary COPY.
const NOT_WRITTEN = { hit: () => true };

/**
 * Reads and validates one delta: its rejects go to etl.rejects, its final events stay in memory.
 *
 * @param context The delta as a source object, its bytes, and the rejects' pool.
 * @param sourceId Its anime_list_source.source_id.
 * @param lookups The anime ids and status codes defined now.
 * @param options `writeRejectsLater`: return once the file is read, its last rejects still being
 *   committed (`rejectsWritten`), so that the next delta's read overlaps that round trip.
 *   `into`: events to clear and fill (their arrays reused) instead of new ones; with `over`,
 *   the delta's lines are laid over the events already in them (`DeltaEvents.startDelta`), whose
 *   `superseded` and `deltaEntries()` are then the delta's.
 * @returns Its file accounting (accepted lines count as loaded) and its final events.
 * @throws {PipelineError} `CSV_HEADER`, `SOURCE_CHANGED`, ... as any source read.
 */
export async function readDelta(
  context: Omit<FileLoadContext, "keys" | "reopen" | "tx">,
  sourceId: number,
  lookups: ReferenceLookups,
  options: { writeRejectsLater?: boolean; into?: DeltaEvents; over?: boolean } = {},
): Promise<DeltaRead> {
  const { source } = context;
  const rejects = new RejectSink(context.sql, context.runId, source.key);
  const events = options.into ?? new DeltaEvents();
  if (options.over) events.startDelta(sourceId);
  else events.clear();
  let encoder: AnimeListEncoder | undefined;
  let removedField = -1;
  let scanned: Awaited<ReturnType<typeof scanSource>>;
  try {
    scanned = await scanSource(context.bytes, source.key, {
      required: ANIME_LIST_COLUMNS,
      singleLineColumns: "all",
      onHeader(header) {
        removedField = header.names.indexOf(REMOVED_COLUMN);
        encoder = new AnimeListEncoder(header, {
          ...lookups,
          sourceId,
          replaced: NOT_WRITTEN,
          reject: (record, reason, detail) => {
            rejects.addRecord(record, reason, detail);
            // A line refused only for its reference is still the pair's latest event.
            if (reason === "unknown_anime_id" || reason === "unknown_watching_status") {
              events.add(encoder!.lastUserId, encoder!.lastAnimeId, {
                kind: INADMISSIBLE,
                line: record.line,
                values: encoder!.lastValues(),
                heldReason: reason,
              });
            }
          },
        });
      },
      onRow(record, header) {
        const removal = removedField < 0 ? false : readRemoved(record, removedField, header);
        if (removal === undefined) {
          rejects.addRecord(
            record,
            "invalid_value",
            `column "${REMOVED_COLUMN}": "${shownText(record, removedField)}" is not 1, true, 0, ` +
              "false or empty",
          );
        } else if (removal) {
          if (encoder!.acceptRemoval(record)) {
            events.add(encoder!.lastUserId, encoder!.lastAnimeId, {
              kind: REMOVAL,
              line: record.line,
            });
          }
        } else if (encoder!.encode(record)) {
          events.add(encoder!.lastUserId, encoder!.lastAnimeId, {
            kind: UPSERT,
            line: record.line,
            values: encoder!.lastValues(),
          });
        }
      },
      afterChunk: () => rejects.flushIfFull(),
      onProgress: context.onProgress,
    });
  } catch (error) {
    await rejects.close().catch(() => {});
    throw error;
  }
  const rejectsWritten = rejects.close();
  if (options.writeRejectsLater) rejectsWritten.catch(() => {});
  else await rejectsWritten;
  const accepted = scanned.rowsRead - rejects.count;
  const { lines } = scanned;
  return {
    result: {
      rowsRead: scanned.rowsRead,
      rowsLoaded: accepted,
      rowsQuarantined: rejects.count,
      rejectsByReason: Object.fromEntries(rejects.countsByReason),
      ignoredColumns: scanned.header.ignored.filter((name) => name !== REMOVED_COLUMN),
      lines: {
        total: lines.total,
        header: lines.header,
        // Every record of a delta is one line: its columns are numbers, which hold no line break.
        loaded: lines.data - rejects.lines,
        quarantined: rejects.lines,
        blank: lines.blank,
      },
    },
    events,
    rejectsWritten,
  };
}

/**
 * `removed`: 1 or true (any case, surrounding white space ignored) removes; empty, 0 or false does
 * not; undefined for anything else. A record of the wrong shape is not a removal (the encoder
 * quarantines it). Read from the bytes when they are plain ASCII: decoding every line's field as a
 * string took a quarter of a delta's reading.
 */
export function readRemoved(
  record: CsvRecord,
  field: number,
  header: Pick<HeaderMap, "fieldCount">,
): boolean | undefined {
  if (record.fieldCount !== header.fieldCount || record.malformed !== undefined) return false;
  const bytes = record.bytes;
  let start = record.fieldStarts[field]!;
  let end = record.fieldEnds[field]!;
  for (let at = start; at < end; at++) {
    if (bytes[at]! >= 0x80) return readRemovedText(record, field);
  }
  while (start < end && isAsciiSpace(bytes[start]!)) start++;
  while (end > start && isAsciiSpace(bytes[end - 1]!)) end--;
  switch (end - start) {
    case 0:
      return false;
    case 1:
      return bytes[start] === ONE ? true : bytes[start] === ZERO ? false : undefined;
    case 4:
      return matches(bytes, start, TRUE) ? true : undefined;
    case 5:
      return matches(bytes, start, FALSE) ? false : undefined;
    default:
      return undefined;
  }
}

const ONE = 0x31;
const ZERO = 0x30;
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];

// String.prototype.trim's white space within ASCII: tab, line feed, vertical tab, form feed,
// carriage return and space.
function isAsciiSpace(byte: number): boolean {
  return byte === 32 || (byte >= 9 && byte <= 13);
}

// Lower-case letters have bit 5 set, so `| 0x20` maps only their upper case onto them.
function matches(bytes: Uint8Array, start: number, word: readonly number[]): boolean {
  for (let k = 0; k < word.length; k++) if ((bytes[start + k]! | 0x20) !== word[k]) return false;
  return true;
}

// Beyond ASCII: String.prototype.trim's Unicode white space, and bytes that are not UTF-8.
function readRemovedText(record: CsvRecord, field: number): boolean | undefined {
  let text: string;
  try {
    text = fieldText(record, field).trim().toLowerCase();
  } catch {
    return undefined;
  }
  if (text === "1" || text === "true") return true;
  if (text === "" || text === "0" || text === "false") return false;
  return undefined;
}

const lossyDecoder = new TextDecoder();

// The value as a reject's detail shows it; bytes that are not UTF-8 show as U+FFFD.
function shownText(record: CsvRecord, field: number): string {
  try {
    return fieldText(record, field).trim();
  } catch {
    const bytes = record.bytes.subarray(record.fieldStarts[field], record.fieldEnds[field]);
    return lossyDecoder.decode(bytes).trim();
  }
}
