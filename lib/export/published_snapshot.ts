// Owns the export's consistent view of the published data: one exported snapshot, read in short
// transactions that each lock the tables for about a second and check no publish replaced them.
/**
 * @example Read the published run's data through its snapshot
 * ```ts ignore
 * import { readInSnapshot, withPublishedSnapshot } from "./published_snapshot.ts";
 * await withPublishedSnapshot(sql, async (published) => {
 *   if (!published) return;
 *   await readInSnapshot(sql, published, (tx) => tx`select count(*) from public.anime_master`);
 * });
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { PipelineError } from "../errors.ts";
import { sqlText } from "../db/sql_files.ts";

/** The run whose tables are published, and the snapshot they are read through. */
export interface PublishedRun {
  runId: number;
  /** When the run finished (and published). */
  publishedAt: Date;
  /** `pg_export_snapshot()` of the transaction that stays open while the export reads. */
  snapshotId: string;
}

const READ_ONLY_SNAPSHOT = "isolation level repeatable read read only";
// PostgreSQL's snapshot ids, e.g. 00000003-0000001B-1: checked before they are put into SET.
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Opens a REPEATABLE READ transaction, finds the published run in it and exports its snapshot,
 * then runs `work` while the transaction stays open (an exported snapshot lives as long as its
 * transaction). The transaction itself touches no published table, so it holds no lock a publish
 * would wait for.
 *
 * @param sql A pool with a connection to spare for {@link readInSnapshot}.
 * @param work Receives the published run, or undefined when no run has published yet, and a signal
 *   that aborts when the transaction fails while `work` runs (its connection was lost): `work`
 *   should stop at its next step.
 * @returns What `work` returns.
 * @throws The transaction's failure only once `work` has settled, so that nothing it does (files
 *   it writes) goes on after its caller has cleaned up.
 */
export async function withPublishedSnapshot<T>(
  sql: Sql,
  work: (published: PublishedRun | undefined, lost: AbortSignal) => Promise<T>,
): Promise<T> {
  let result: T;
  let running: Promise<T> | undefined;
  const lost = new AbortController();
  try {
    await sql.begin(READ_ONLY_SNAPSHOT, async (tx) => {
      const [row] = await tx.unsafe<
        { run_id: number; finished_at: Date; snapshot_id: string }[]
      >(
        await sqlText("export/published_snapshot"),
      );
      running = work(
        row
          ? { runId: row.run_id, publishedAt: row.finished_at, snapshotId: row.snapshot_id }
          : undefined,
        lost.signal,
      );
      result = await running;
    });
  } catch (error) {
    // postgres.js rejects a transaction as soon as its connection closes, while the callback still
    // runs: an export whose sessions were terminated went on writing part files into the staging
    // folder after it had been removed, and left it behind.
    lost.abort(error);
    await running?.catch(() => {});
    throw error;
  }
  return result!;
}

/**
 * Runs `work` in a short READ ONLY transaction that imports the published run's snapshot and holds
 * ACCESS SHARE locks on the published tables. A publish waits for at most one such transaction;
 * one that committed since the snapshot was taken is detected here (its new tables' rows are
 * invisible to the snapshot) and stops the export.
 *
 * @throws {PipelineError} `EXPORT_SUPERSEDED` when a publish replaced the tables since the snapshot.
 */
export async function readInSnapshot<T>(
  sql: Sql,
  published: PublishedRun,
  work: (tx: TransactionSql) => Promise<T>,
): Promise<T> {
  if (!SNAPSHOT_ID.test(published.snapshotId)) {
    throw new Error(`Unexpected snapshot id "${published.snapshotId}" from PostgreSQL`);
  }
  let result: T;
  await sql.begin(READ_ONLY_SNAPSHOT, async (tx) => {
    await tx.unsafe(
      (await sqlText("export/import_snapshot")).replace(
        ":snapshot_id",
        `'${published.snapshotId}'`,
      ),
    );
    await tx.unsafe(await sqlText("export/lock_published"));
    const replaced = await tx.unsafe<{ name: string }[]>(await sqlText("export/replaced_tables"));
    if (replaced.length > 0) {
      throw new PipelineError(
        "EXPORT_SUPERSEDED",
        `Cannot finish the export of run ${published.runId}: a newer run was published while it ` +
          `was read (${replaced.map((row) => row.name).join(", ")} replaced); run ` +
          `${published.runId} is no longer published, so nothing was written: export again to ` +
          `export the newly published run`,
        { stage: "export" },
      );
    }
    result = await work(tx);
  });
  return result!;
}
