// Owns reading the export's `COPY ... TO STDOUT` rows off its sockets, beside postgres.js.
/**
 * @example A client whose COPYs on a session can be read by the tap
 * ```ts ignore
 * import { CopyOutTap } from "./copy_out_tap.ts";
 * const tap = new CopyOutTap();
 * const sql = createClient(db, { applicationName: "anime-export", socket: tap.socket(db) });
 * // In a transaction: its backend's pid, then the COPY, whose bytes go to `push`.
 * const release = tap.expect(pid, (bytes) => decoder.push(bytes));
 * ```
 */
import net from "node:net";
import { Buffer } from "node:buffer";
import { releaseNativeMemory, releaseYoungMemory } from "../runtime/release_native_memory.ts";

/**
 * Where a session's COPY bytes go: the CopyData payloads of each socket read, joined (the bytes
 * are valid only during the call: the sink copies what it keeps).
 */
export type CopySink = (bytes: Uint8Array) => void;

// Protocol message types (PostgreSQL's frontend/backend protocol 3.0).
const COPY_DATA = 0x64; // d
const COPY_OUT_RESPONSE = 0x48; // H
const BACKEND_KEY_DATA = 0x4b; // K
// Bytes read between young collections, and young collections (or, without them, read blocks)
// between full ones: each read arrives in a new ArrayBuffer, outside V8's heap, and a reader that
// allocates little else gives V8 no reason to collect them (they piled up to 70 MB during the
// export's scan, and stayed in malloc's arenas after). See releaseYoungMemory.
const COLLECT_EVERY_BYTES = 4 << 20;
const FULL_EVERY = 8;

const taps = new WeakMap<object, CopyOutTap>();

/** The tap of a client's sockets, if {@link CopyOutTap.attach} named one. */
export function copyOutTapOf(client: object): CopyOutTap | undefined {
  return taps.get(client);
}

/**
 * The server sends every row of a `COPY ... TO STDOUT` as a message of its own (8M rows, 8M
 * messages), and postgres.js makes each a Buffer, a stream chunk and a 'data' event: the export's
 * main thread spent half its scan there, beside the server's own COPY on the other core. The tap
 * is the socket postgres.js is given: it passes every byte through to postgres.js, except, during
 * a COPY of a session a caller {@link expect}s, the CopyData messages, whose payloads it hands to
 * the caller's sink joined, one call per socket read. postgres.js still sees the COPY start
 * (CopyOutResponse), end (CopyDone) or fail (ErrorResponse), so the query's stream ends (with no
 * data) or fails as before. Sessions are told apart by their backend's pid (BackendKeyData, sent
 * once when a session starts; `pg_backend_pid()` in a transaction).
 */
export class CopyOutTap {
  readonly #sinks = new Map<number, CopySink>();

  /** Names this tap as the one of `client`'s sockets (see {@link copyOutTapOf}). */
  attach(client: object): void {
    taps.set(client, this);
  }

  /**
   * The COPY the session of backend `pid` runs next goes to `sink` (until released).
   *
   * @returns Releases the sink (call it once the COPY ended, however it ended).
   */
  expect(pid: number, sink: CopySink): () => void {
    this.#sinks.set(pid, sink);
    return () => {
      if (this.#sinks.get(pid) === sink) this.#sinks.delete(pid);
    };
  }

  /**
   * postgres.js's `socket` option: a connection to `host:port` (TCP, or the Unix socket in the
   * folder `host` when it starts with `/`), tapped.
   */
  socket(target: { host: string; port: number }): () => Promise<net.Socket> {
    return () =>
      new Promise((resolve, reject) => {
        const socket = target.host.startsWith("/")
          ? net.connect({ path: `${target.host}/.s.PGSQL.${target.port}` })
          : net.connect(target.port, target.host);
        socket.once("error", reject);
        socket.once("connect", () => {
          socket.off("error", reject);
          this.#tap(socket);
          resolve(socket);
        });
      });
  }

  // Wraps the 'data' listeners postgres.js adds: they get the bytes the session's tap passes on.
  #tap(socket: net.Socket) {
    const on = socket.on.bind(socket);
    const sinkOf = (pid: number | undefined) =>
      pid === undefined ? undefined : this.#sinks.get(pid);
    socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== "data") return on(event, listener);
      const session = new TappedSession(sinkOf, (bytes) => listener(bytes));
      return on("data", (chunk: Buffer) => session.read(chunk));
    }) as typeof socket.on;
  }
}

/**
 * One connection's incoming bytes, as a {@link CopyOutTap} reads them: framed into messages, the
 * CopyData of a COPY whose session has a sink taken out and joined, every other byte passed on
 * in order (reads may end anywhere, inside a message's head too).
 */
export class TappedSession {
  readonly #sinkOf: (pid: number | undefined) => CopySink | undefined;
  readonly #pass: (bytes: Buffer) => void;
  // The head of the message being read (type, length, and for BackendKeyData the pid), and how
  // much of it has come: a read may end inside it.
  readonly #head = new Uint8Array(9);
  #headBytes = 0;
  // Bytes of the message being read still to come, after its head.
  #rest = 0;
  #pid: number | undefined;
  // During a tapped COPY: its sink, and whether the message being read is CopyData.
  #sink: CopySink | undefined;
  #inCopyData = false;
  // The sink of a CopyOutResponse being read: the COPY is tapped from the message after it.
  #tapAfter: CopySink | undefined;
  #joined = new Uint8Array(1 << 16);
  #sinceCollected = 0;
  #blocks = 0;

  /**
   * @param sinkOf The sink of the session's backend (its pid from BackendKeyData), if any.
   * @param pass Gets the bytes postgres.js is to read.
   */
  constructor(
    sinkOf: (pid: number | undefined) => CopySink | undefined,
    pass: (bytes: Buffer) => void,
  ) {
    this.#sinkOf = sinkOf;
    this.#pass = pass;
  }

  /** Reads the bytes of one socket read. */
  read(chunk: Buffer) {
    this.#sinceCollected += chunk.length;
    if (this.#sinceCollected >= COLLECT_EVERY_BYTES) {
      this.#sinceCollected = 0;
      if (++this.#blocks >= FULL_EVERY) {
        this.#blocks = 0;
        releaseNativeMemory();
      } else if (releaseYoungMemory()) {
        this.#blocks = 0;
      }
    }
    // Bytes of this read from passFrom on go to postgres.js (none while a COPY is tapped), those
    // of CopyData payloads are joined for the sink.
    let passFrom = this.#sink === undefined ? 0 : -1;
    let joined = 0;
    let at = 0;
    const head = this.#head;
    while (at < chunk.length) {
      if (this.#rest > 0) {
        const take = Math.min(this.#rest, chunk.length - at);
        if (this.#inCopyData) joined = this.#join(joined, chunk, at, take);
        this.#rest -= take;
        at += take;
        if (this.#rest === 0 && this.#tapAfter !== undefined) {
          if (passFrom >= 0) this.#pass(chunk.subarray(passFrom, at));
          passFrom = -1;
          this.#sink = this.#tapAfter;
          this.#tapAfter = undefined;
        }
        continue;
      }
      const start = at;
      const heldBefore = this.#headBytes;
      let wanted = 5;
      if (heldBefore === 0 && at + 5 <= chunk.length && chunk[at] !== BACKEND_KEY_DATA) {
        // The usual case, a whole head in this read.
        for (let i = 0; i < 5; i++) head[i] = chunk[at + i]!;
        this.#headBytes = 5;
        at += 5;
      }
      while (at < chunk.length) {
        if (this.#headBytes >= 1 && head[0] === BACKEND_KEY_DATA) wanted = 9;
        if (this.#headBytes >= wanted) break;
        head[this.#headBytes++] = chunk[at++]!;
      }
      if (this.#headBytes >= 1 && head[0] === BACKEND_KEY_DATA) wanted = 9;
      if (this.#headBytes < wanted) break;
      const type = head[0]!;
      const length = ((head[1]! << 24) | (head[2]! << 16) | (head[3]! << 8) | head[4]!) >>> 0;
      if (type === BACKEND_KEY_DATA) {
        this.#pid = ((head[5]! << 24) | (head[6]! << 16) | (head[7]! << 8) | head[8]!) >>> 0;
      }
      this.#headBytes = 0;
      this.#rest = 1 + length - wanted;
      if (this.#sink !== undefined) {
        if (type === COPY_DATA) {
          this.#inCopyData = true;
          continue;
        }
        // The COPY ended (CopyDone) or failed: this message and what follows are postgres.js's,
        // with the part of its head that came in earlier reads (held here, not passed yet).
        this.#flush(joined);
        joined = 0;
        this.#sink = undefined;
        this.#inCopyData = false;
        if (heldBefore > 0) this.#pass(Buffer.from(head.subarray(0, heldBefore)));
        passFrom = start;
      }
      if (type === COPY_OUT_RESPONSE) {
        // The response goes to postgres.js whole; the COPY's rows after it to the sink.
        this.#tapAfter = this.#sinkOf(this.#pid);
      }
    }
    if (passFrom >= 0 && passFrom < chunk.length) this.#pass(chunk.subarray(passFrom));
    this.#flush(joined);
  }

  #join(joined: number, chunk: Buffer, at: number, take: number): number {
    if (joined + take > this.#joined.length) {
      const larger = new Uint8Array(Math.max(this.#joined.length * 2, joined + take));
      larger.set(this.#joined.subarray(0, joined));
      this.#joined = larger;
    }
    const into = this.#joined;
    if (take < 256) {
      // A row's payload (tens of bytes): a loop costs less than a subarray of a Buffer.
      for (let i = 0; i < take; i++) into[joined + i] = chunk[at + i]!;
    } else {
      into.set(chunk.subarray(at, at + take), joined);
    }
    return joined + take;
  }

  #flush(joined: number) {
    if (joined > 0) this.#sink?.(this.#joined.subarray(0, joined));
  }
}
