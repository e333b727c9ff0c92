// Owns progress output: a live line per file on a terminal, a plain line every few seconds otherwise.
/**
 * @example Report a file's progress
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const progress = createProgress({ mode: "quiet" });
 * const file = progress.startFile("animelist.csv", 1_000_000);
 * file.update(500, 400_000);
 * file.finish("500 rows");
 * ```
 */
import { countText } from "./count_text.ts";

/** How progress is shown: `live` rewrites one line (terminal), `plain` prints lines, `quiet` nothing. */
export type ProgressMode = "live" | "plain" | "quiet";

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** Seconds between plain lines; default 5. */
  plainIntervalSeconds?: number;
  /** Where lines go; default stderr. */
  write?: (text: string) => void;
  /** Clock in milliseconds; default performance.now. */
  now?: () => number;
}

/** Progress of one file. */
export interface FileProgress {
  /** Rows read and stored bytes read so far. */
  update(rows: number, storedBytes: number): void;
  /** Ends the file's line with a summary. */
  finish(summary: string): void;
}

/** Creates a reporter. */
export function createProgress(options: ProgressOptions) {
  const encoder = new TextEncoder();
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  const now = options.now ?? (() => performance.now());
  const intervalMs = (options.plainIntervalSeconds ?? 5) * 1000;
  return {
    /** Starts a file of `sizeBytes` stored bytes. */
    startFile(file: string, sizeBytes: number): FileProgress {
      const started = now();
      // Live lines show at once; plain lines only once a file has run for an interval, so that
      // small files log just their summary line.
      let lastShown = options.mode === "live" ? -Infinity : started;
      let rows = 0;
      let bytes = 0;
      const line = () => describeProgress(file, rows, bytes, sizeBytes, (now() - started) / 1000);
      return {
        update(rowsRead, storedBytes) {
          rows = rowsRead;
          bytes = storedBytes;
          if (options.mode === "quiet") return;
          const elapsed = now() - lastShown;
          if (options.mode === "live" && elapsed >= 100) {
            write(`\r\x1b[K${line()}`);
            lastShown = now();
          } else if (options.mode === "plain" && elapsed >= intervalMs) {
            write(`${line()}\n`);
            lastShown = now();
          }
        },
        finish(summary) {
          if (options.mode === "quiet") return;
          const seconds = (now() - started) / 1000;
          const text = `${file}: ${summary} in ${seconds.toFixed(1)} s`;
          write(options.mode === "live" ? `\r\x1b[K${text}\n` : `${text}\n`);
        },
      };
    },
    /** Prints an event line such as `load:published` (not in quiet mode). */
    event(text: string) {
      if (options.mode !== "quiet") write(`${text}\n`);
    },
  };
}

/** Reporter returned by {@link createProgress}. */
export type Progress = ReturnType<typeof createProgress>;

/**
 * One progress line: rows, MB read of total, MB/s and ETA from the object size.
 *
 * @param seconds Elapsed seconds since the file started.
 */
export function describeProgress(
  file: string,
  rows: number,
  bytes: number,
  totalBytes: number,
  seconds: number,
): string {
  const megabytes = bytes / 1e6;
  const rate = seconds > 0 ? megabytes / seconds : 0;
  const remaining = rate > 0 ? (totalBytes - bytes) / 1e6 / rate : Infinity;
  const percent = totalBytes > 0 ? (100 * bytes) / totalBytes : 100;
  const eta = Number.isFinite(remaining) ? `${Math.max(0, remaining).toFixed(0)} s` : "?";
  return `${file}: ${countText(rows)} rows, ${megabytes.toFixed(1)}/${
    (totalBytes / 1e6).toFixed(1)
  } MB (${percent.toFixed(0)}%), ${rate.toFixed(1)} MB/s, ETA ${eta}`;
}
