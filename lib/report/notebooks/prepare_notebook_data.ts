// Owns making sure the notebooks have data: the configured targets, or the embedded default with the demo loaded.
/**
 * @example Before starting a notebook server
 * ```ts ignore
 * import { prepareNotebookData } from "./prepare_notebook_data.ts";
 * const data = await prepareNotebookData({ log: (line) => console.error(line) });
 * console.log(data.mode, data.connectUrl, data.loaded?.status);
 * ```
 */
import { openSession } from "../../explore/open_session.ts";
import { runEtl, type RunSummary } from "../../run_etl.ts";
import type { Progress } from "../../runtime/progress.ts";
import { readPublishState } from "../catalog/read_model_catalog.ts";

/** Options of {@link prepareNotebookData}. */
export interface NotebookDataOptions {
  /** A config file someone named (`--config`), which must exist; default the notebooks' own rule. */
  configPath?: string;
  /** Who named `configPath`, e.g. `--config`. */
  configNamedBy?: string;
  /** Environment for the settings and the defaults; default the process environment. */
  env?: Record<string, string | undefined>;
  /** Receives status lines (`jupyter:data ...`, the embedded default's own); default console.log. */
  log?: (line: string) => void;
  /** Progress of the demo load; default quiet. */
  progress?: Progress;
  /** Stops the demo load (it rolls back, as `deno task etl` does on Ctrl-C). */
  signal?: AbortSignal;
}

/** Where the notebooks will read from, and the demo load when one was needed. */
export interface NotebookData {
  mode: "configured" | "embedded";
  /** `postgres://user@host:port/db`, without a password. */
  connectUrl: string;
  /** `s3://bucket/prefix`. */
  source: string;
  /** The run that loaded the demo dataset, when nothing was published yet (embedded default only). */
  loaded?: RunSummary;
}

/**
 * Resolves the notebooks' targets exactly as their sessions will (`openSession`). With a config
 * file it only says which targets the notebooks will use; the embedded default is started (or
 * reused), and when nothing is published yet the demo dataset is loaded with the pipeline's own run
 * (trigger `jupyter`), so that every notebook has data to show. The demo store is closed afterwards;
 * the embedded PostgreSQL keeps running, as after `deno task etl`.
 *
 * @returns The targets, and the demo run if there was one.
 * @throws {PipelineError} `CONFIG_MISSING`/`CONFIG_INVALID`, `EMBEDDED_POSTGRES`, `DEMO_STORE`, or a
 *   demo run that fails to start (`DB_UNREACHABLE`, `RUN_LOCKED`, `INTERRUPTED`).
 */
export async function prepareNotebookData(
  options: NotebookDataOptions = {},
): Promise<NotebookData> {
  const log = options.log ?? ((line: string) => console.log(line));
  const session = await openSession({
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    ...(options.configNamedBy !== undefined ? { configNamedBy: options.configNamedBy } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    log,
  });
  try {
    const data: NotebookData = {
      mode: session.mode,
      connectUrl: session.connectUrl,
      source: session.s3Url,
    };
    if (session.mode === "configured") {
      log(`jupyter:data the configured targets: ${session.s3Url} into ${session.connectUrl}`);
      return data;
    }
    if ((await readPublishState(session.sql)).published) {
      log(`jupyter:data the embedded default, already published: ${session.connectUrl}`);
      return data;
    }
    log(
      `jupyter:demo nothing is published in ${session.connectUrl} yet: loading the demo dataset ` +
        `from ${session.s3Url} (the run deno task etl makes)`,
    );
    const loaded = await runEtl(session.targets, {
      trigger: "jupyter",
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    log(
      `jupyter:demo run ${loaded.runId} ${loaded.status} in ${loaded.seconds.toFixed(1)} s` +
        (loaded.error
          ? `: ${session.redact(`${loaded.error.code}: ${loaded.error.message}`)}`
          : ""),
    );
    return { ...data, loaded };
  } finally {
    await session.close();
  }
}
