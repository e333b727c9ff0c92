// Owns a run's PostgreSQL clients and what losing one does: the run's work is aborted at once and
// no query is left waiting on a connection that is gone, so a run never outlives its connections.
/**
 * @example Open a run's connections, use them and close them
 * ```ts ignore
 * import { openRunConnections } from "./run_connections.ts";
 * await using connections = openRunConnections(db, { connectTimeoutSeconds: 10 });
 * await connections.transaction(async (tx) => {
 *   await readSomething({ signal: connections.signal }); // stops when a session is lost
 * });
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import type { DbSettings } from "../config/settings.ts";
import { createClient } from "./create_client.ts";
import { guardLostConnections } from "./guard_lost_connections.ts";

/** The clients of one run. */
export interface RunConnections extends AsyncDisposable {
  /**
   * Run log, rejects and check results: a small pool that reconnects, so a run whose other
   * sessions were lost can still record its failure.
   */
  log: Sql;
  /**
   * The load transaction's own session. Nothing reconnects it behind the transaction's back, so
   * none of the transaction's later statements can run outside the transaction.
   */
  load: Sql;
  /** The run lock's session: losing it releases the lock, so the run must stop. */
  lock: Sql;
  /**
   * Aborted when the load or lock session closes unexpectedly; its reason is a lost-connection
   * error (`code: "CONNECTION_CLOSED"`). Work that waits on something else (an S3 read) listens to
   * it, so the run stops within moments instead of waiting for its next statement.
   */
  signal: AbortSignal;
  /**
   * Runs `work` in a transaction on the load session. postgres.js rejects the transaction as soon
   * as its session closes, while `work` may still be waiting on S3: this settles only once `work`
   * has settled too (the signal stops it), so nothing of the run outlives the run.
   */
  transaction<T>(work: (tx: TransactionSql) => Promise<T>): Promise<T>;
  /** Ends every client; sessions still busy are terminated after a second. */
  close(): Promise<void>;
}

/** Sessions of the log pool. */
export const LOG_SESSIONS = 4;

/** Options of {@link openRunConnections}. */
export interface RunConnectionOptions {
  /** Seconds to wait for PostgreSQL to accept a connection. */
  connectTimeoutSeconds: number;
  /** Recorded as the sessions' application_name; default `anime-etl`. */
  applicationName?: string;
}

/** The error a lost session aborts the run with; {@link isLostConnection} recognises it. */
export class LostSessionError extends Error {
  override name = "LostSessionError";
  readonly code = "CONNECTION_CLOSED";
}

/**
 * Opens the clients of a run (connections are made on first use).
 *
 * When the load or lock session closes without {@link RunConnections.close} (the server was
 * stopped, an administrator ran `pg_terminate_backend`, a proxy reset the connection), both
 * single-session clients are ended at once. postgres.js 3.4.9 would otherwise leave a statement
 * issued on such a session unsettled forever (the transaction's ROLLBACK, the lock's release):
 * ending the client terminates the session, which rejects every statement on it, queued or later,
 * with `CONNECTION_DESTROYED` or `CONNECTION_ENDED`. Then {@link RunConnections.signal} is aborted.
 */
export function openRunConnections(db: DbSettings, options: RunConnectionOptions): RunConnections {
  guardLostConnections();
  const controller = new AbortController();
  let closing = false;
  let lostLog = false;
  const lose = (session: string) => {
    if (closing || controller.signal.aborted) return;
    // Ending both sessions also rolls back the load transaction on a lock loss, at once.
    void single.load.end({ timeout: 0 });
    void single.lock.end({ timeout: 0 });
    controller.abort(
      new LostSessionError(`the ${session} session to ${db.host}:${db.port} was closed`),
    );
  };
  const single = {
    load: connect(db, options, { max: 1, single: true, onclose: () => lose("load") }),
    lock: connect(db, options, { max: 1, single: true, onclose: () => lose("run lock") }),
  };
  const log = connect(db, options, { max: LOG_SESSIONS, onclose: () => lostLog ||= !closing });
  const close = async () => {
    closing = true;
    // Nothing is in flight by now. A log session that was lost mid-statement would still count
    // as busy, and a graceful end() would wait its whole timeout for it.
    await Promise.all([
      single.load.end({ timeout: 1 }),
      single.lock.end({ timeout: 1 }),
      log.end({ timeout: lostLog ? 0 : 5 }),
    ]);
  };
  return {
    log,
    load: single.load,
    lock: single.lock,
    signal: controller.signal,
    async transaction<T>(work: (tx: TransactionSql) => Promise<T>): Promise<T> {
      let working: Promise<T> | undefined;
      try {
        return await single.load.begin((tx) => working = work(tx)) as T;
      } finally {
        await working?.catch(() => {});
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function connect(
  db: DbSettings,
  options: RunConnectionOptions,
  pool: { max: number; single?: boolean; onclose: () => void },
): Sql {
  return createClient(db, {
    applicationName: options.applicationName ?? "anime-etl",
    max: pool.max,
    connectTimeoutSeconds: options.connectTimeoutSeconds,
    // A single session lives as long as the run: postgres.js would otherwise close it after 30 to
    // 60 minutes (max_lifetime), which for the lock session means silently dropping the run lock.
    keepSessions: pool.single ?? false,
    onclose: pool.onclose,
  });
}
