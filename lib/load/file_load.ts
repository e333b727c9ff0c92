// Owns the shared shape of loading one source file: its context, its result and row accounting.
import type { Sql, TransactionSql } from "postgres";
import type { SourceObject } from "../extract/source_objects.ts";
import type { RejectReason } from "../transform/values.ts";

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
  /** Reports data rows read so far. */
  onProgress: (rowsRead: number) => void;
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
