// Owns the bench's export rows: `deno task export` of the published run as a measured subprocess,
// and its limit, `COPY anime_list TO STDOUT` of the same table read and thrown away.
/**
 * @example
 * ```ts ignore
 * import { measureCopyOut, measureExportProcess } from "./measure_export.ts";
 * const exported = await measureExportProcess("bench.cfg", ".data/bench/export-8000000");
 * const limit = await measureCopyOut(sql);
 * console.log(exported.seconds / limit.seconds);
 * ```
 */
import type { Sql } from "postgres";
import { join } from "node:path";
import { sqlText } from "../db/sql_files.ts";
import { resumeSocket } from "../export/export_interactions.ts";
import { measureProcess } from "./measure_process.ts";

/** What the bench measured of one export. */
export interface ExportMeasurement {
  /** Wall seconds of `deno task export`, process start included. */
  seconds: number;
  /** The export process's largest resident set (VmHWM). */
  peakRssBytes: number;
  /** Interactions written. */
  rows: number;
  /** Bytes of every file the export wrote, manifest included. */
  bytes: number;
  files: number;
  /** `COPY anime_list TO STDOUT` of the same table into nothing: seconds and bytes. */
  copySeconds: number;
  copyBytes: number;
  /** Export seconds over the COPY's. */
  ratioToCopy: number;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The environment `deno task export` sets (deno.json). glibc's malloc starts to mmap blocks of
 * 128 KiB and more, but raises that threshold to the size of any such block freed (up to 32 MiB):
 * after the first few, polars' column buffers (about 1 MB a row group) came from the heap's arenas,
 * and what they freed stayed resident. Fixed at 128 KiB, they are returned to the system when
 * freed: the 8M-row export peaked at 206 to 212 MB instead of 233 to 242 MB (five runs each, load
 * average 5 to 8), for about 0.4 s more system time.
 */
export const EXPORT_PROCESS_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: "131072",
});

/**
 * The V8 flags `deno task export` gives (deno.json): the global `gc`, for the young collections
 * of releaseYoungMemory while the interactions' COPYs are read.
 */
export const EXPORT_V8_FLAGS: readonly string[] = Object.freeze(["--v8-flags=--expose-gc"]);

/**
 * Runs `deno task export --config CONFIG --out OUT` (OUT emptied first, so that nothing is skipped)
 * while sampling its memory.
 *
 * @throws {Error} When the export fails, with its output.
 */
export async function measureExportProcess(config: string, out: string) {
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const run = await measureProcess(Deno.execPath(), [
    "run",
    "--allow-all",
    ...EXPORT_V8_FLAGS,
    "--config",
    `${ROOT}deno.json`,
    `${ROOT}lib/cli/export.ts`,
    "--config",
    config,
    "--out",
    out,
    "--quiet",
  ], { env: { ...EXPORT_PROCESS_ENV } });
  if (run.code !== 0) {
    throw new Error(`deno task export failed during the benchmark:\n${run.stdout}\n${run.stderr}`);
  }
  const line = /^export run (\d+): succeeded .*, (\d+) files, ([\d,]+) interactions/m.exec(
    run.stdout,
  );
  if (!line) throw new Error(`unexpected output of deno task export:\n${run.stdout}`);
  const folder = join(out, `run=${line[1]}`);
  return {
    seconds: run.seconds,
    peakRssBytes: run.peakRssBytes,
    rows: Number(line[3]!.replaceAll(",", "")),
    files: Number(line[2]),
    bytes: await bytesUnder(folder),
  };
}

/**
 * The export's physical limit: every row of anime_list leaves the server as `COPY ... TO STDOUT`
 * and is counted and dropped by this process, which is what writing to /dev/null costs.
 */
export async function measureCopyOut(sql: Sql): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  const readable = await sql.unsafe(await sqlText("bench/copy_out_anime_list")).readable();
  // 'data' events, as the export reads its COPY: an async iterator would slow the limit down.
  const bytes = await new Promise<number>((resolve, reject) => {
    let total = 0;
    readable.on("data", (chunk: Uint8Array) => total += chunk.length);
    readable.once("error", reject);
    readable.once("end", () => resolve(total));
  });
  resumeSocket(readable);
  return { seconds: (performance.now() - started) / 1000, bytes };
}

async function bytesUnder(folder: string): Promise<number> {
  let bytes = 0;
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    bytes += entry.isDirectory ? await bytesUnder(path) : (await Deno.stat(path)).size;
  }
  return bytes;
}
