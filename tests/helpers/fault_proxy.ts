// Owns network fault injection for tests: a loopback TCP proxy in front of a real server that cuts,
// stalls or answers HTTP requests itself, chosen per request by rules.
/**
 * @example Cut the first GET of animelist.csv after 50,000 response bytes
 * ```ts ignore
 * import { startFaultProxy } from "./fault_proxy.ts";
 * const proxy = await startFaultProxy(store.endpoint, [
 *   { match: (r) => r.method === "GET" && r.path.includes("animelist.csv"), action: { kind: "cut", afterBytes: 50_000 } },
 * ]);
 * const s3 = { ...store.settings(bucket, prefix), endpoint: proxy.endpoint };
 * await proxy.close();
 * ```
 */

/** The head of one HTTP request as it crossed the proxy. */
export interface RequestHead {
  method: string;
  /** Request target with its query string, percent-encoded as sent. */
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Which connection it came on (1-based, in accept order). */
  connection: number;
}

/** What the proxy does to a request a rule matched. */
export type FaultAction =
  /** Forward the first `afterBytes` response bytes (headers included), then close both sides. */
  | { kind: "cut"; afterBytes: number }
  /**
   * Forward `afterBytes` response bytes, then forward nothing until `seconds` have passed or `until`
   * settles (whichever first), then carry on. The client giving up ends the stall.
   */
  | { kind: "stall"; afterBytes: number; seconds?: number; until?: Promise<unknown> }
  /** Answer without contacting the server: an S3-style XML error, then close the connection. */
  | { kind: "respond"; status: number; code: string; message?: string }
  /** Await `run` (e.g. change the object in the store), then forward normally. */
  | { kind: "before"; run: () => Promise<void> };

/** One fault rule; the first rule that matches a request and has uses left applies. */
export interface FaultRule {
  /** Which requests it applies to; default every request. */
  match?: (request: RequestHead) => boolean;
  /** How many matching requests it applies to; default 1. */
  times?: number;
  action: FaultAction;
}

/** A running proxy; `await using` closes it. */
export interface FaultProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`, to use as the S3 endpoint. */
  endpoint: string;
  /** Every request seen, in order. */
  requests: RequestHead[];
  /** Faults applied so far, as `kind path`. */
  applied: string[];
  /** Response bytes forwarded to clients in total. */
  bytesToClients(): number;
  /** Client connections open now (idle keep-alive ones included). */
  openConnections(): number;
  /** Resolves when a rule of this kind has been applied `count` times (default 1). */
  applies(kind: FaultAction["kind"], count?: number): Promise<void>;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Slow Down",
};

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to `target` (an `http://host:port` URL).
 *
 * @param target Server to forward to.
 * @param rules Faults to inject, checked in order for every request.
 */
export function startFaultProxy(target: string, rules: FaultRule[]): FaultProxy {
  const { hostname, port } = new URL(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const uses = rules.map((rule) => rule.times ?? 1);
  const requests: RequestHead[] = [];
  const applied: string[] = [];
  const waiters: { kind: string; count: number; resolve: () => void }[] = [];
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let forwarded = 0;
  let connections = 0;
  let connected = 0;

  const record = (kind: FaultAction["kind"], path: string) => {
    applied.push(`${kind} ${path}`);
    for (const waiter of [...waiters]) {
      if (applied.filter((entry) => entry.startsWith(`${waiter.kind} `)).length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const ruleFor = (request: RequestHead): FaultAction | undefined => {
    const index = rules.findIndex((rule, i) =>
      uses[i]! > 0 && (rule.match === undefined || rule.match(request))
    );
    if (index < 0) return undefined;
    uses[index]!--;
    return rules[index]!.action;
  };

  async function serve(client: Deno.Conn, connection: number) {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname, port: Number(port) });
    } catch {
      closeQuietly(client);
      return;
    }
    open.add(client);
    open.add(upstream);
    connected++;
    let closed = false;
    let onClosed = () => {};
    const whenClosed = new Promise<void>((resolve) => onClosed = resolve);
    const shut = () => {
      if (closed) return;
      closed = true;
      connected--;
      closeQuietly(client);
      closeQuietly(upstream);
      open.delete(client);
      open.delete(upstream);
      onClosed();
    };
    // The fault of the response in flight; the response byte count restarts with each request.
    let fault: FaultAction | undefined;
    let faultPath = "";
    let responseBytes = 0;
    let bodyLeft = 0;
    let head: Uint8Array = new Uint8Array(0);

    const clientToServer = async () => {
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await client.read(buffer).catch(() => null);
        if (n === null || closed) break;
        let chunk: Uint8Array = buffer.slice(0, n);
        if (bodyLeft > 0) {
          const body = chunk.subarray(0, Math.min(bodyLeft, chunk.length));
          bodyLeft -= body.length;
          if (!(await writeAll(upstream, body))) break;
          chunk = chunk.subarray(body.length);
          if (chunk.length === 0) continue;
        }
        head = concat(head, chunk);
        const end = indexOfHeadEnd(head);
        if (end < 0) continue;
        const request = parseHead(head.subarray(0, end), connection);
        const whole = head;
        const rest = head.subarray(end + 4);
        head = new Uint8Array(0);
        requests.push(request);
        bodyLeft = Math.max(0, Number(request.headers["content-length"] ?? 0) - rest.length);
        fault = ruleFor(request);
        faultPath = request.path;
        responseBytes = 0;
        if (fault?.kind === "respond") {
          record("respond", request.path);
          await writeAll(client, errorResponse(fault, request.path));
          break;
        }
        if (fault?.kind === "before") {
          await fault.run();
          record("before", request.path);
        }
        if (!(await writeAll(upstream, whole))) break;
      }
      shut();
    };

    const serverToClient = async () => {
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await upstream.read(buffer).catch(() => null);
        if (n === null || closed) break;
        let chunk: Uint8Array = buffer.subarray(0, n);
        if (fault?.kind === "cut" || fault?.kind === "stall") {
          const allowed = fault.afterBytes - responseBytes;
          if (allowed < chunk.length) {
            const before = chunk.subarray(0, Math.max(0, allowed));
            responseBytes += before.length;
            forwarded += before.length;
            if (!(await writeAll(client, before))) break;
            chunk = chunk.subarray(before.length);
            const action = fault;
            fault = undefined;
            record(action.kind, faultPath);
            if (action.kind === "cut") break;
            const waits: Promise<unknown>[] = [whenClosed];
            let timer: ReturnType<typeof setTimeout> | undefined;
            if (action.seconds !== undefined) {
              waits.push(
                new Promise((resolve) => timer = setTimeout(resolve, action.seconds! * 1000)),
              );
            }
            if (action.until !== undefined) waits.push(action.until.catch(() => {}));
            await Promise.race(waits);
            clearTimeout(timer);
            if (closed) break;
          }
        }
        responseBytes += chunk.length;
        forwarded += chunk.length;
        if (!(await writeAll(client, chunk))) break;
      }
      shut();
    };
    await Promise.all([clientToServer(), serverToClient()]);
  }

  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return;
      }
      const task = serve(client, ++connections).catch(() => {});
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();

  return {
    endpoint: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    requests,
    applied,
    bytesToClients: () => forwarded,
    openConnections: () => connected,
    applies(kind, count = 1) {
      if (applied.filter((entry) => entry.startsWith(`${kind} `)).length >= count) {
        return Promise.resolve();
      }
      return new Promise((resolve) => waiters.push({ kind, count, resolve }));
    },
    close,
    [Symbol.asyncDispose]: close,
  };

  async function close() {
    closeQuietly(listener);
    for (const conn of open) closeQuietly(conn);
    open.clear();
    await accepting;
    await Promise.all([...tasks]);
  }
}

/**
 * Starts a TCP server on 127.0.0.1 that accepts connections and never answers (nor closes them),
 * to test connect and read timeouts.
 */
export function startBlackhole(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for (;;) {
      try {
        held.push(await listener.accept());
      } catch {
        return;
      }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      closeQuietly(listener);
      for (const conn of held) closeQuietly(conn);
      await accepting;
    },
  };
}

function errorResponse(
  action: { status: number; code: string; message?: string },
  path: string,
): Uint8Array {
  const resource = decodeURIComponent(path.split("?")[0]!);
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${action.code}</Code><Message>${
      action.message ?? action.code
    }</Message><Resource>${escapeXml(resource)}</Resource><RequestId>FAULT</RequestId></Error>`;
  const bytes = new TextEncoder().encode(body);
  const headText = [
    `HTTP/1.1 ${action.status} ${STATUS_TEXT[action.status] ?? "Error"}`,
    "Content-Type: application/xml",
    `Content-Length: ${bytes.length}`,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  return concat(new TextEncoder().encode(headText), bytes);
}

function parseHead(bytes: Uint8Array, connection: number): RequestHead {
  const [requestLine = "", ...lines] = new TextDecoder().decode(bytes).split("\r\n");
  const [method = "", path = ""] = requestLine.split(" ");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return { method, path, headers, connection };
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  try {
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    return true;
  } catch {
    return false;
  }
}

function closeQuietly(resource: { close(): void }) {
  try {
    resource.close();
  } catch {
    // already closed
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&]/g, (char) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[char]!);
}

/** Matches the GETs of one source object (by its file name at the end of the key). */
export function isGetOf(file: string): (request: RequestHead) => boolean {
  return (request) =>
    request.method === "GET" && !request.path.includes("list-type=") &&
    decodeURIComponent(request.path.split("?")[0]!).endsWith(`/${file}`);
}

/** Matches ListObjectsV2 requests. */
export function isListing(request: RequestHead): boolean {
  return request.method === "GET" && request.path.includes("list-type=2");
}
