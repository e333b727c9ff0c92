// Owns running Debian's PgBouncer on a configuration written by pgbouncer_config.ts: start it,
// wait until it accepts connections, stop it.
/**
 * @example Run PgBouncer for as long as a block needs it
 * ```ts ignore
 * import { startPgbouncer } from "./pgbouncer_process.ts";
 * await using bouncer = await startPgbouncer(config);
 * console.log(bouncer.port);
 * ```
 */
import { PipelineError } from "../errors.ts";
import { PGBOUNCER_ACCOUNT, type PgbouncerConfig } from "./pgbouncer_config.ts";

/** Where Debian's `pgbouncer` package installs the program. */
export const PGBOUNCER_PROGRAM = "/usr/sbin/pgbouncer";

/** A running PgBouncer; `await using` stops it. */
export interface RunningPgbouncer extends AsyncDisposable {
  port: number;
  pid: number;
  /** Resolves with its exit code when it ends. */
  status: Promise<Deno.CommandStatus>;
  /** Stops it (SIGTERM: clients are disconnected at once) and waits for it to end. */
  close(): Promise<void>;
}

/**
 * Starts PgBouncer in the foreground of a child process (as the `postgres` account when run as
 * root) and waits until its port accepts connections.
 *
 * @param config What {@link writePgbouncerConfig} wrote.
 * @param options `timeoutSeconds`: longest wait for the port; default 15.
 * @throws {PipelineError} `SERVE_FAILED` when the program is missing, exits, or never listens (with
 *   its log's last lines).
 */
export async function startPgbouncer(
  config: PgbouncerConfig,
  options: { timeoutSeconds?: number } = {},
): Promise<RunningPgbouncer> {
  // Its own stderr (it logs there too in the foreground), drained so the pipe never fills; the
  // last lines explain an early exit, such as a folder the postgres account cannot reach.
  let stderrTail = "";
  const fail = async (problem: string) =>
    new PipelineError(
      "SERVE_FAILED",
      `Cannot start PgBouncer on 127.0.0.1:${config.port}: ${problem}` +
        (stderrTail.trim() ? `\n${stderrTail.trim().split("\n").slice(-8).join("\n")}` : "") +
        (await logTail(config)),
      { stage: "runtime" },
    );
  try {
    await Deno.stat(PGBOUNCER_PROGRAM);
  } catch {
    throw await fail(`${PGBOUNCER_PROGRAM} is missing (apt-get install pgbouncer)`);
  }
  const child = new Deno.Command(PGBOUNCER_PROGRAM, {
    args: [...(Deno.uid() === 0 ? ["-u", PGBOUNCER_ACCOUNT] : []), config.iniPath],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const drained = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderrTail = (stderrTail + text).slice(-4000);
    }
  })();
  let exited: Deno.CommandStatus | undefined;
  const status = Promise.all([child.status, drained]).then(([result]) => exited = result);
  const deadline = Date.now() + (options.timeoutSeconds ?? 15) * 1000;
  for (;;) {
    if (exited) {
      throw await fail(
        `it exited with code ${exited.code}` +
          (Deno.uid() === 0
            ? ` (run as root, it runs as the ${PGBOUNCER_ACCOUNT} account, which must reach ` +
              `${config.dir}: make the folders above it searchable)`
            : ""),
      );
    }
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port: config.port });
      connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGTERM");
        await status;
        throw await fail("its port did not open in time");
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const close = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // ended meanwhile
      }
    }
    await status;
  };
  return { port: config.port, pid: child.pid, status, close, [Symbol.asyncDispose]: close };
}

async function logTail(config: PgbouncerConfig): Promise<string> {
  try {
    const lines = (await Deno.readTextFile(config.logFile)).trimEnd().split("\n").slice(-8);
    return `\n${lines.join("\n")}`;
  } catch {
    return "";
  }
}
