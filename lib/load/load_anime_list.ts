// Owns loading animelist.csv: binary COPY of validated rows, then keys, duplicates and references.
/**
 * @example Describe the fact file, loaded after the dimensions it refers to
 * ```ts ignore
 * import { animeListSource } from "./load_anime_list.ts";
 * const spec = animeListSource({ file: "animelist.csv", copy: "load/copy_anime_list" });
 * const { result } = await spec.load(context);
 * ```
 */
import type { TransactionSql } from "postgres";
import { PipelineError } from "../errors.ts";
import { scanSource } from "../extract/scan_source.ts";
import type { SourceFile } from "../extract/source_objects.ts";
import {
  ANIME_LIST_COLUMNS,
  AnimeListEncoder,
  type AnimeListRules,
} from "../transform/anime_list_encoder.ts";
import { sqlText } from "../db/sql_files.ts";
import { CopyWriter } from "./copy_writer.ts";
import {
  type FileLoadContext,
  type FileLoaded,
  neededKeys,
  type ProvidedKeys,
  type SourceSpec,
} from "./file_load.ts";
import { alongside } from "./alongside.ts";
import { RejectSink } from "./reject_sink.ts";
import { HeldBackRows } from "./held_back_rows.ts";
import { ListTally, writeListCounts } from "./list_counts.ts";
import { type PairRepeat, PairSet } from "./pair_set.ts";

/** Where the validated rows go. */
export interface AnimeListSpec {
  file: SourceFile;
  /** sql/ file holding the binary `COPY ... FROM STDIN` into anime_list. */
  copy: string;
}

const UNIQUE_VIOLATION = "23505";

/** anime_list_source.source_id of the snapshot animelist.csv; the deltas follow from 2. */
export const SNAPSHOT_SOURCE_ID = 1;

/** What a row's references are checked against: lookups by key, and the keys quarantined. */
export type ReferenceLookups = Omit<AnimeListRules, "reject" | "sourceId">;

/** Lookups from the anime ids and status codes the run's dimension files provided. */
export function referenceLookups(anime: ProvidedKeys, statuses: ProvidedKeys): ReferenceLookups {
  return {
    animeIds: toLookup(anime.loaded),
    statuses: toLookup(statuses.loaded),
    quarantinedAnime: anime.quarantined,
    quarantinedStatuses: statuses.quarantined,
  };
}

/**
 * Describes the fact file: streamed into `anime_list` by the binary encoder, quarantining bad rows
 * and unknown references on the way; then the primary key is built once, set-based, repeated
 * (user_id, anime_id) pairs are quarantined (the first line wins) and the key is built again.
 *
 * @returns The file's entry for the source table; it needs the anime ids and status codes.
 */
export function animeListSource(spec: AnimeListSpec): SourceSpec {
  return {
    file: spec.file,
    columns: ANIME_LIST_COLUMNS,
    copy: spec.copy,
    needs: ["anime_id", "watching_status"],
    load: (context) => loadAnimeList(context, spec),
  };
}

/** Lookups from the published dimensions, for an incremental run (its dimension files are unchanged). */
export async function publishedLookups(
  tx: Pick<TransactionSql, "unsafe">,
): Promise<ReferenceLookups> {
  const [keys] = await tx.unsafe<{ anime_ids: number[]; statuses: number[] }[]>(
    await sqlText("deltas/published_keys"),
  );
  return {
    animeIds: toLookup(new Set(keys!.anime_ids)),
    statuses: toLookup(new Set(keys!.statuses)),
  };
}

async function loadAnimeList(context: FileLoadContext, spec: AnimeListSpec): Promise<FileLoaded> {
  const { tx, source } = context;
  const anime = neededKeys(context, "anime_id");
  const statuses = neededKeys(context, "watching_status");
  // Lookups by key, built once per run: the encoder checks 100M+ rows against them.
  const references: Omit<AnimeListRules, "reject"> = {
    ...referenceLookups(anime, statuses),
    sourceId: SNAPSHOT_SOURCE_ID,
  };
  // The aggregates, counted from the rows as they stream (lib/load/list_counts.ts).
  const tally = new ListTally(references.animeIds, references.statuses);
  // A full refresh's deltas are read first: the snapshot's rows of the pairs they touch are then
  // accepted but never written, instead of written and deleted again by a scan of the table.
  const replaced = context.replay ? await context.replay.stage(references) : undefined;
  const rejects = new RejectSink(context.sql, context.runId, source.key, context.signal);
  // Lines refused only for a reference, and repeats of a pair: a dimension change can admit them.
  // Those of a pair the deltas touch are not: its final event decides (run/replay_deltas.ts).
  const held = new HeldBackRows(SNAPSHOT_SOURCE_ID, replaced);
  const writer = await CopyWriter.open(tx, await sqlText(spec.copy));
  let encoder: AnimeListEncoder | undefined;
  let scanned: Awaited<ReturnType<typeof scanSource>>;
  try {
    scanned = await scanSource(context.bytes, source.key, {
      required: ANIME_LIST_COLUMNS,
      // All numbers: a line break inside quotes ends the record, so a stray quote costs one line.
      singleLineColumns: "all",
      onHeader(header) {
        encoder = new AnimeListEncoder(header, {
          ...references,
          tally,
          ...(replaced ? { replaced } : {}),
          reject: (record, reason, detail) => {
            rejects.addRecord(record, reason, detail);
            if (reason === "unknown_anime_id" || reason === "unknown_watching_status") {
              held.add(
                encoder!.lastUserId,
                encoder!.lastAnimeId,
                encoder!.lastValues(),
                record.line,
                reason,
              );
            }
          },
        });
      },
      onRow: (record) => encoder!.encode(record),
      async afterChunk() {
        for (const bytes of encoder?.takeOutput() ?? []) {
          await writer.writeBytes(bytes);
          encoder!.recycle(bytes);
        }
        await rejects.flushIfFull();
      },
      onProgress: context.onProgress,
    });
    for (const bytes of encoder!.finish()) await writer.writeBytes(bytes);
    await writer.end();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await rejects.close().catch(() => {});
    throw error;
  }
  // The deltas' final rows go in before the key is built: one build over the result. They are
  // counted with the snapshot's rows, so the counts go to the server once. The touched set is
  // released by then (empty): of its pairs only those the snapshot repeated are still needed, to
  // quarantine their repeats below without holding them back.
  const touchedRepeats = context.replay ? await context.replay.apply(tally) : [];
  if (context.replay) held.leaveOut(pairSetOf(touchedRepeats));
  await writeListCounts(tx, tally);
  // The rejects' COPY ends beside the key build, on its own session: at its end the server checks
  // the foreign key of every reject, 0.28 s for 32,000 rejects at 8M rows, which the load waited
  // for when the COPY ended after the key build. The key build's repeats, if any, go in a second
  // COPY below.
  const rejectsSent = rejects.close();
  const duplicates = await alongside(buildPrimaryKey(context), async (signal) => {
    await Promise.all([rejectsSent, context.whileKeyBuilds?.(signal)]);
  });
  // A touched pair the snapshot held more than once has its repeats quarantined as any other's
  // (the first line wins), though none of its rows was written.
  for (const [userId, animeId, repeats] of touchedRepeats) {
    duplicates.set(pairKey(userId, animeId), repeats);
  }
  const duplicateLines = duplicates.size > 0
    ? await quarantineDuplicates(context, rejects, duplicates, references, held)
    : 0;
  await rejects.close();
  await held.write(tx);
  const removed = [...duplicates.values()].reduce((sum, repeats) => sum + repeats, 0);
  const { lines } = scanned;
  return {
    result: {
      rowsRead: scanned.rowsRead,
      rowsLoaded: encoder!.rowsEncoded - removed,
      rowsQuarantined: rejects.count,
      rejectsByReason: Object.fromEntries(rejects.countsByReason),
      ignoredColumns: scanned.header.ignored,
      lines: {
        total: lines.total,
        header: lines.header,
        loaded: encoder!.linesEncoded - duplicateLines,
        quarantined: rejects.lines,
        blank: lines.blank,
      },
    },
  };
}

// Builds the key inside a savepoint; on repeated pairs, keeps each pair's first row (a single COPY
// into a new table stores rows in file order, so the lowest ctid is the first line), deletes the
// others and builds again. Returns the number of deleted repeats by pair key.
async function buildPrimaryKey(context: FileLoadContext): Promise<Map<string, number>> {
  const keys = await sqlText("star/anime_list_keys");
  try {
    await context.tx.savepoint((savepoint) => savepoint.unsafe(keys));
    return new Map();
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
  }
  const removed = await context.tx.unsafe<{ user_id: number; anime_id: number }[]>(
    await sqlText("star/duplicate_keys"),
  );
  await context.tx.unsafe(keys);
  const repeats = new Map<string, number>();
  for (const row of removed) {
    const key = pairKey(row.user_id, row.anime_id);
    repeats.set(key, (repeats.get(key) ?? 0) + 1);
  }
  return repeats;
}

// The binary COPY kept no raw text, so the object is read again: the same validation picks the
// accepted rows, and every accepted occurrence of a repeated pair after its first is quarantined
// (and held back: if a dimension change refuses the first, the next one is the pair's row).
// Returns the lines those rows cover.
async function quarantineDuplicates(
  context: FileLoadContext,
  rejects: RejectSink,
  repeats: Map<string, number>,
  references: Omit<AnimeListRules, "reject">,
  held: HeldBackRows,
): Promise<number> {
  const seen = new Map<string, number>();
  let quarantined = 0;
  let lines = 0;
  let encoder: AnimeListEncoder | undefined;
  await scanSource(context.reopen(), context.source.key, {
    required: ANIME_LIST_COLUMNS,
    singleLineColumns: "all",
    onHeader(header) {
      encoder = new AnimeListEncoder(header, { ...references, reject: () => {} });
    },
    onRow(record) {
      if (!encoder!.encode(record)) return;
      const key = pairKey(encoder!.lastUserId, encoder!.lastAnimeId);
      if (!repeats.has(key)) return;
      const occurrence = (seen.get(key) ?? 0) + 1;
      seen.set(key, occurrence);
      if (occurrence === 1) return;
      const detail = `(user_id ${encoder!.lastUserId}, anime_id ${
        encoder!.lastAnimeId
      }) repeats an earlier line`;
      rejects.addRecord(record, "duplicate_key", detail);
      held.add(
        encoder!.lastUserId,
        encoder!.lastAnimeId,
        encoder!.lastValues(),
        record.line,
        "duplicate_key",
      );
      quarantined++;
      lines += record.lineCount;
    },
    async afterChunk() {
      for (const bytes of encoder?.takeOutput() ?? []) encoder!.recycle(bytes);
      await rejects.flushIfFull();
    },
  });
  const expected = [...repeats.values()].reduce((sum, n) => sum + n, 0);
  if (quarantined !== expected) {
    throw new PipelineError(
      "SOURCE_CHANGED",
      `Cannot quarantine repeated keys of "${context.source.key}": the second read found ${quarantined} ` +
        `repeats where the table held ${expected}`,
      { stage: "load" },
    );
  }
  return lines;
}

function pairSetOf(pairs: readonly PairRepeat[]): PairSet {
  const set = new PairSet();
  for (const [userId, animeId] of pairs) set.add(userId, animeId);
  return set;
}

function pairKey(userId: number, animeId: number): string {
  return `${userId}:${animeId}`;
}

function toLookup(keys: ReadonlySet<number>): Uint8Array {
  let max = 0;
  for (const key of keys) if (key > max) max = key;
  const lookup = new Uint8Array(max + 1);
  for (const key of keys) if (key >= 0) lookup[key] = 1;
  return lookup;
}
