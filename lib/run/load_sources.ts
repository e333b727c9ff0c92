// Owns the run's load step: every source file, in the order its keys need, through its loader,
// recorded and checked one by one.
/**
 * @example Inside the run's transaction
 * ```ts ignore
 * import { loadSources } from "./load_sources.ts";
 * await loadSources(tx, { runId, sources, connections, s3, limits, progress, stop, retry, files });
 * ```
 */
import type { TransactionSql } from "postgres";
import type { S3Client } from "@aws-sdk/client-s3";
import type { RunLimits } from "../config/settings.ts";
import type { RunConnections } from "../db/run_connections.ts";
import { readObjectBytes, type ReadObjectOptions } from "../extract/object_reader.ts";
import type { SourceObject } from "../extract/source_objects.ts";
import { checkAccounting } from "../load/check_accounting.ts";
import type { FileLoaded, KeyKind, KeySet, ListReplay, SourceSpec } from "../load/file_load.ts";
import { loadOrder, SOURCE_TABLE } from "../load/source_table.ts";
import type { Progress } from "../runtime/progress.ts";
import { countText } from "../runtime/count_text.ts";
import { finishFile } from "./run_log.ts";
import type { RunStop } from "./run_stop.ts";
import type { FileSummary } from "./run_summary.ts";

/** What the load step works with. */
export interface LoadStep {
  runId: number;
  /** The listed objects, one per file of the source table to load (a file left out is skipped). */
  sources: readonly SourceObject[];
  connections: RunConnections;
  s3: S3Client;
  limits: RunLimits;
  progress: Progress;
  stop: RunStop;
  /** S3 retries of each read (attempts, backoff). */
  retry: Pick<ReadObjectOptions, "maxAttempts" | "baseDelayMs">;
  /** Receives each file's summary as soon as it is loaded, before its accounting is checked. */
  files: FileSummary[];
  /** A full refresh's deltas, replayed around the fact file's COPY; see FileLoadContext.replay. */
  listReplay?: ListReplay;
}

/** Reads one source object as the run does: stoppable, retried, ended by a lost session. */
export function sourceReader(
  step: Pick<LoadStep, "s3" | "limits" | "retry" | "stop" | "connections">,
): (source: SourceObject, options?: ReadObjectOptions) => AsyncIterable<Uint8Array> {
  // A lost session or a stop request ends the read at once, its request in flight and any backoff
  // included: the run is over, and nothing of it may outlive the run.
  const signal = step.stop.signal
    ? AbortSignal.any([step.connections.signal, step.stop.signal])
    : step.connections.signal;
  return (source, options = {}) =>
    step.stop.stoppable(readObjectBytes(step.s3, source, {
      stallTimeoutMs: step.limits.stallTimeoutSeconds * 1000,
      ...step.retry,
      ...options,
      signal: options.signal ? AbortSignal.any([signal, options.signal]) : signal,
    }));
}

/**
 * Starts reading one object with its progress line: bytes read and retries are reported as they
 * happen.
 */
export function startFileRead(
  step: Pick<LoadStep, "s3" | "limits" | "retry" | "stop" | "connections" | "progress">,
  source: SourceObject,
  signal?: AbortSignal,
): {
  fileProgress: ReturnType<Progress["startFile"]>;
  bytes: AsyncIterable<Uint8Array>;
  onProgress: (rows: number) => void;
} {
  const fileProgress = step.progress.startFile(source.file, source.size);
  let storedBytes = 0;
  const bytes = sourceReader(step)(source, {
    ...(signal ? { signal } : {}),
    onStoredBytes: (stored) => storedBytes = stored,
    onRetry: ({ attempt, offset, reason }) =>
      step.progress.event(
        `extract:retry ${source.key} attempt ${attempt} from byte ${offset}: ${reason}`,
      ),
  });
  return { fileProgress, bytes, onProgress: (rows) => fileProgress.update(rows, storedBytes) };
}

/**
 * Loads every file of the source table in dependency order. Each loader gets the keys of the
 * kinds it needs from the files before it; each file is recorded in etl.run_files, then checked
 * against the reject threshold. A file that can be read ahead and gives no keys, loaded before the
 * last file (the facts), is read while that file's key builds and COPYed after it; it is still
 * recorded and checked in its place in the order.
 *
 * @returns The keys the dimension files provided, by kind (the deltas check against them).
 * @throws {PipelineError} The first loader's or check's failure (`REJECT_THRESHOLD`, `CSV_HEADER`,
 *   `SOURCE_CHANGED`, ...), `INTERRUPTED` on a stop request.
 */
export async function loadSources(
  tx: TransactionSql,
  step: LoadStep,
): Promise<ReadonlyMap<KeyKind, KeySet>> {
  const { connections, stop } = step;
  const bySource = new Map(step.sources.map((source) => [source.file, source]));
  const keys = new Map<KeyKind, KeySet>();
  const read = sourceReader(step);
  // A run on changed dimension files only loads those (and the others it needs), not the facts.
  const present = loadOrder(SOURCE_TABLE).filter((spec) => bySource.has(spec.file));
  const last = present.at(-1);
  // Their client work (read, parse, clean) runs while the server builds the last file's key: the
  // client's core is idle for those seconds, and nothing the last file needs comes from them.
  const readAhead = present.filter((spec) =>
    spec !== last && spec.readAhead !== undefined && spec.provides === undefined
  );
  const contextOf = (
    spec: SourceSpec,
    source: SourceObject,
    bytes: AsyncIterable<Uint8Array>,
    signal: AbortSignal,
  ) => ({
    tx,
    sql: connections.log,
    signal,
    runId: step.runId,
    source,
    bytes,
    reopen: () => read(source),
    keys: new Map([...keys].filter(([kind]) => spec.needs.includes(kind))),
    ...(step.listReplay ? { replay: step.listReplay } : {}),
  });
  const record = async (
    spec: SourceSpec,
    loaded: FileLoaded,
    seconds: number,
    fileProgress: ReturnType<Progress["startFile"]>,
  ) => {
    const source = bySource.get(spec.file)!;
    if (spec.provides && loaded.provided) {
      keys.set(spec.provides, { kind: spec.provides, file: spec.file, ...loaded.provided });
    }
    const { result } = loaded;
    const file: FileSummary = {
      ...result,
      file: source.file,
      key: source.key,
      etag: source.etag,
      sizeBytes: source.size,
      seconds,
    };
    step.files.push(file);
    await finishFile(connections.log, step.runId, file);
    fileProgress.finish(
      `${countText(result.rowsLoaded)} loaded, ${countText(result.rowsQuarantined)} quarantined`,
    );
    checkAccounting(source.key, result, step.limits.rejectThreshold);
  };
  for (const spec of present) {
    if (readAhead.includes(spec)) continue;
    stop.throwIfStopped();
    const source = bySource.get(spec.file)!;
    const started = performance.now();
    const { fileProgress, bytes, onProgress } = startFileRead(step, source);
    const ahead: {
      spec: SourceSpec;
      /** Seconds its read took (the wait for the key build after it is not the file's). */
      readSeconds: number;
      fileProgress: typeof fileProgress;
      copy: () => Promise<FileLoaded>;
    }[] = [];
    let readingAhead: Promise<void> | undefined;
    // Aborted (by the loader, lib/load/alongside.ts) when the load it runs beside fails, and when
    // the run's sessions are lost: every wait of the read gives way then.
    const readFilesAhead = (beside: AbortSignal) =>
      readingAhead ??= (async () => {
        const signal = AbortSignal.any([beside, connections.signal]);
        for (const other of readAhead) {
          stop.throwIfStopped();
          signal.throwIfAborted();
          const otherSource = bySource.get(other.file)!;
          const otherStarted = performance.now();
          const opened = startFileRead(step, otherSource, signal);
          const copy = await other.readAhead!({
            ...contextOf(other, otherSource, opened.bytes, signal),
            onProgress: opened.onProgress,
          });
          ahead.push({
            spec: other,
            readSeconds: (performance.now() - otherStarted) / 1000,
            fileProgress: opened.fileProgress,
            copy,
          });
        }
      })();
    const loaded = await spec.load({
      ...contextOf(spec, source, bytes, connections.signal),
      onProgress,
      ...(spec === last && readAhead.length > 0 ? { whileKeyBuilds: readFilesAhead } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    if (spec === last && readAhead.length > 0) {
      // A loader without a key build never called it: the files are read now instead.
      await readFilesAhead(connections.signal);
      for (const file of ahead) {
        const copyStarted = performance.now();
        const copied = await file.copy();
        const seconds = file.readSeconds + (performance.now() - copyStarted) / 1000;
        await record(file.spec, copied, seconds, file.fileProgress);
      }
    }
    await record(spec, loaded, seconds, fileProgress);
  }
  return keys;
}
