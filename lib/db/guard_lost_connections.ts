// Owns a process guard against one postgres.js 3.4.9 defect: a write to a connection that PostgreSQL
// has closed throws from a timer, outside any promise, and would end the whole process.
/**
 * @example Install once before opening transactions that may lose their connection
 * ```ts
 * import { guardLostConnections } from "./guard_lost_connections.ts";
 * guardLostConnections();
 * guardLostConnections(); // a second call changes nothing
 * ```
 */

// postgres.js schedules small writes with setImmediate; when the server closes the connection first
// (pg_terminate_backend, a restart, a proxy reset), the timer writes to `socket = null`. Inside
// `sql.begin` this happens when the transaction issues ROLLBACK after its connection died. Upstream:
// porsager/postgres#1154 and #1208, fixes proposed in #1168, #1209 and #1215 (not released in 3.4.9).
const SIGNATURE = "Cannot read properties of null (reading 'write')";
let installed = false;

/**
 * Installs (once per process) a global `error` listener that swallows exactly that TypeError when
 * it comes from postgres.js's connection module. Every other uncaught error keeps its default
 * behaviour.
 *
 * Swallowing alone would leave the statement unsettled, and anything awaiting it (the run lock's
 * release, the transaction's ROLLBACK) would wait forever: that is how a run whose backends were
 * terminated stayed alive for minutes. So the clients that can hit it, the single-session clients
 * of `run_connections.ts`, are ended as soon as their session closes; ending terminates the
 * session, which rejects the statement (`CONNECTION_DESTROYED`) and every later one.
 */
export function guardLostConnections(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("error", (event) => {
    const error = event.error;
    if (
      error instanceof TypeError && error.message === SIGNATURE &&
      /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? "")
    ) {
      event.preventDefault();
    }
  });
}
