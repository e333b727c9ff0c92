// Owns the shared shape of loading one source file: its description, its context, its result and
// the keys one file provides to the files loaded after it.
import type { Sql, TransactionSql } from "postgres";
import type { ListTally } from "./list_counts.ts";
import type { PairRepeat, PairSet } from "./pair_set.ts";
import type { ReferenceLookups } from "./load_anime_list.ts";
import type { SourceFile, SourceObject } from "../extract/source_objects.ts";
import type { QuarantinedKeys } from "../transform/missing_reference.ts";
import type { RejectReason } from "../transform/values.ts";

/** Kinds of keys that later files refer to: anime ids (MAL_ID) and watching-status codes. */
export type KeyKind = "anime_id" | "watching_status";

/** The keys one file loaded, and those it quarantined (named in the rejects that refer to them). */
export interface ProvidedKeys {
  loaded: ReadonlySet<number>;
  quarantined: QuarantinedKeys;
}

/** Keys of one kind as a later file checks references against them. */
export interface KeySet extends ProvidedKeys {
  kind: KeyKind;
  /** The file that provided them, named in rejects: `anime_id 284 is not in anime.csv`. */
  file: SourceFile;
}

const UNKNOWN_KEY_REASONS: Record<KeyKind, RejectReason> = {
  anime_id: "unknown_anime_id",
  watching_status: "unknown_watching_status",
};

/** The reason a row is quarantined for when it refers to a key of this kind that is not loaded. */
export function unknownKeyReason(kind: KeyKind): RejectReason {
  return UNKNOWN_KEY_REASONS[kind];
}

/**
 * A full refresh's deltas as the fact file's loader meets them: read before its COPY, so that the
 * snapshot's rows of the pairs they touch are never written, and applied after it, before the key.
 */
export interface ListReplay {
  /**
   * Reads and checks every delta against the run's dimension keys (the lookups the fact file's
   * rows are checked against).
   *
   * @returns The pairs the deltas touch: the loader accepts but does not write the snapshot's rows
   *   of them, counting their occurrences in the set.
   */
  stage(lookups: ReferenceLookups): Promise<PairSet>;
  /**
   * Appends the pairs' final rows once the snapshot's COPY has ended (their occurrences counted in
   * the set {@link stage} returned), before its key, counting them into the snapshot's tally; the
   * set is released (empty) afterwards.
   *
   * @returns The touched pairs the snapshot held more than once, with their repeats after the first.
   */
  apply(tally: ListTally): Promise<PairRepeat[]>;
}

/** Everything a file loader needs. */
export interface FileLoadContext {
  /** The run's transaction; its search_path starts with the staging schema. */
  tx: TransactionSql;
  /** Pool for work outside the transaction (rejects). */
  sql: Sql;
  runId: number;
  source: SourceObject;
  /** The object's content, decompressed. */
  bytes: AsyncIterable<Uint8Array>;
  /** Reads the object again from the start (a loader that keeps no raw text needs it once). */
  reopen: () => AsyncIterable<Uint8Array>;
  /** Keys provided by the files loaded earlier in the run: those of every kind the file needs. */
  keys: ReadonlyMap<KeyKind, KeySet>;
  /** Reports data rows read so far. */
  onProgress: (rowsRead: number) => void;
  /** For the fact file: a full refresh's deltas, replayed around its COPY (run/replay_deltas.ts). */
  replay?: ListReplay;
  /**
   * Aborted when the file's work is over before it ends: the run's sessions were lost, or, for a
   * file read ahead, the load it runs beside failed. Its S3 read and its rejects' COPY give way.
   */
  signal?: AbortSignal;
  /**
   * Client work for the time the server builds the file's key, when the client's core is idle
   * (the run reads other files ahead then, lib/run/load_sources.ts). A loader with a key build
   * runs it alongside (lib/load/alongside.ts): the work is aborted through `signal` when the build
   * fails, and its own failure fails the load once the build has settled.
   */
  whileKeyBuilds?: (signal: AbortSignal) => Promise<void>;
}

/**
 * Every physical line of an object: `total = header + loaded + quarantined + blank`, checked per
 * file, so that a record swallowing lines cannot hide them.
 */
export interface LineAccounting {
  /** Lines of the object. */
  total: number;
  /** Lines of the header record. */
  header: number;
  /** Lines covered by records loaded into the star schema. */
  loaded: number;
  /** Lines covered by records written to etl.rejects. */
  quarantined: number;
  /** Lines that held nothing. */
  blank: number;
}

/** What loading one file did; `rowsRead === rowsLoaded + rowsQuarantined` always. */
export interface FileLoadResult {
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  ignoredColumns: string[];
  lines: LineAccounting;
}

/** A loader's result, with the keys it provides when its file provides any. */
export interface FileLoaded {
  result: FileLoadResult;
  provided?: ProvidedKeys;
}

/**
 * One source file as the run sees it: what it reads, where its rows go, which keys it gives the
 * files after it and which it needs from the files before it. The run loads files in the order
 * these dependencies give, and calls `load` for each.
 */
export interface SourceSpec {
  file: SourceFile;
  /** Source columns read, by header name. */
  columns: readonly string[];
  /** The sql/ file of its `COPY ... FROM STDIN`. */
  copy: string;
  /** The kind of key it provides to later files, if any. */
  provides?: KeyKind;
  /** Kinds of keys its rows refer to: the files providing them load first. */
  needs: readonly KeyKind[];
  /** Streams the file into its tables, quarantining what cannot load. */
  load(context: FileLoadContext): Promise<FileLoaded>;
  /**
   * Loads the file in two steps instead: reads and checks all of it (its rejects written) without a
   * statement on the run's transaction, holding its rows, and returns the step that COPYs them
   * into it. For small files, so that their client work can run while the server is busy.
   */
  readAhead?(context: FileLoadContext): Promise<() => Promise<FileLoaded>>;
}

/**
 * The keys of one kind from the context.
 *
 * @throws {Error} When no earlier file provided them: the table's `needs` is missing the kind.
 */
export function neededKeys(context: FileLoadContext, kind: KeyKind): KeySet {
  const keys = context.keys.get(kind);
  if (keys === undefined) {
    throw new Error(`Cannot load "${context.source.key}": no earlier file provided ${kind} keys`);
  }
  return keys;
}
