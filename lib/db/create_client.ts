// Owns turning database settings into a postgres.js client: the one place in lib/ that builds one.
/**
 * @example A small pool for a command that reads the published data
 * ```ts ignore
 * import { createClient } from "./create_client.ts";
 * const sql = createClient(db, { applicationName: "anime-dashboard", max: 2 });
 * await sql.end();
 * ```
 */
import { Socket } from "node:net";
import postgres, { type Sql } from "postgres";
import type { DbSettings } from "../config/settings.ts";

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Shown as the sessions' application_name in pg_stat_activity, e.g. `anime-etl`. */
  applicationName: string;
  /** Connections of the pool; default 1. */
  max?: number;
  /** Seconds to wait for PostgreSQL to accept a connection; default 10. */
  connectTimeoutSeconds?: number;
  /**
   * Keep each session for the client's whole life; default false (postgres.js replaces a session
   * after 30 to 60 minutes, which for a session holding an advisory lock drops the lock).
   */
  keepSessions?: boolean;
  /** Called when one of the client's connections closes, for whatever reason. */
  onclose?: () => void;
  /**
   * Use named prepared statements; default true. False for a connection through PgBouncer in
   * transaction mode, where the next transaction may run on another server session.
   */
  prepare?: boolean;
  /**
   * postgres.js's `socket` option: opens each connection's socket (connected) instead of
   * postgres.js, e.g. a {@link import("../export/copy_out_tap.ts").CopyOutTap}'s.
   */
  socket?: () => Promise<unknown>;
}

/**
 * Builds a client; connections are made on first use. Server notices are dropped: the pipeline
 * reports what it does itself.
 *
 * @param db Where to connect: a host name or address, or a socket folder (the embedded server's).
 * @param options Pool size, application name and timeouts.
 * @returns The client; end it with `sql.end()`.
 */
export function createClient(db: DbSettings, options: ClientOptions): Sql {
  return postgres({
    host: db.host,
    port: db.port,
    database: db.database,
    username: db.user,
    password: db.password,
    max: options.max ?? 1,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    ...(options.keepSessions ? { max_lifetime: null } : {}),
    ...(options.onclose ? { onclose: options.onclose } : {}),
    ...(options.prepare === false ? { prepare: false } : {}),
    ...(options.socket
      ? { socket: options.socket }
      : isTcpHost(db.host)
      ? { socket: () => tcpSocket(db.host, db.port) }
      : {}),
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
}

// postgres.js reads a host with a slash as a socket folder and one with a comma as several hosts;
// only a single TCP host gets a socket of ours.
function isTcpHost(host: string): boolean {
  return !host.includes("/") && !host.includes(",");
}

/**
 * The connection's TCP socket as postgres.js would open it, but with Nagle's algorithm off.
 * postgres.js 3.4.9 leaves it on, and a COPY's last message then waits for the server's delayed
 * acknowledgement of the data before it: about 40 ms at each COPY's start and again at its end
 * (docs/performance.md, Round 27). Returned while it connects: postgres.js starts its connect
 * timeout then and writes its startup message, which the socket sends once connected; a failure
 * to connect reaches postgres.js as the socket's error, as on its own path.
 */
function tcpSocket(host: string, port: number): Socket {
  const socket = new Socket();
  socket.setNoDelay(true);
  socket.connect(port, host);
  // Named in postgres.js's connection errors, as it names its own sockets'.
  Object.assign(socket, { host, port });
  return socket;
}
