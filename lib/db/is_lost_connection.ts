// Owns recognising a lost database connection among the errors postgres.js and the socket raise.
/**
 * @example A closed connection and an administrator's termination are both lost connections
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLostConnection } from "./is_lost_connection.ts";
 * assert.ok(isLostConnection({ code: "CONNECTION_CLOSED" }));
 * assert.ok(isLostConnection({ code: "57P01", severity: "FATAL" }));
 * assert.ok(isLostConnection({ code: "ECONNREFUSED" })); // the server was stopped mid-run
 * assert.ok(!isLostConnection({ code: "23505", severity: "ERROR" }));
 * ```
 */

// postgres.js connection errors and Node socket errors.
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  // The server went away during the run (stopped, restarted) and refuses the reconnect.
  "ECONNREFUSED",
]);

/**
 * True when the error means the connection is gone: postgres.js `CONNECTION_*` codes, a reset
 * socket, a FATAL/PANIC server error (SQLSTATE 57P01 when an administrator terminates the backend),
 * or SQLSTATE class 08 (connection exception).
 *
 * @param error Anything thrown by a query.
 */
export function isLostConnection(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) {
    return true;
  }
  return severity === "FATAL" || severity === "PANIC";
}
