// Owns a notebook's connection to the pipeline's targets: the S3 source, PostgreSQL, redaction.
/**
 * @example Open the configured targets, or the embedded default when there is no credentials.cfg
 * ```ts ignore
 * import { openSession } from "./open_session.ts";
 * const session = await openSession();
 * console.log(session.mode, session.connectUrl);
 * await session.close();
 * ```
 */
import type { Sql } from "postgres";
import type { S3Client } from "@aws-sdk/client-s3";
import { fileURLToPath } from "node:url";
import { createClient } from "../db/create_client.ts";
import { chooseConfigFile, type ConfigFile } from "../config/settings.ts";
import { createS3Client } from "../extract/s3_client.ts";
import {
  findSourceObjects,
  type SourceFile,
  type SourceObject,
} from "../extract/source_objects.ts";
import { htmlTable } from "../report/display/html_table.ts";
import { type Displayable, JUPYTER_DISPLAY, type MimeBundle } from "../report/display/_display.ts";
import { type OpenTargets, openTargets, redactor } from "../targets.ts";

/** The repository root, whatever the process's working directory (a kernel runs in notebooks/). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** Options of {@link openSession}. */
export interface OpenSessionOptions {
  /**
   * INI file, which must exist; default `ETL_CONFIG` from the environment (which must exist too),
   * else `<repo>/credentials.cfg`, whose absence alone selects the embedded default.
   */
  configPath?: string;
  /** Who named `configPath`, for the error when it does not exist, e.g. `--config`. */
  configNamedBy?: string;
  /** Folder of the embedded default's state; default `ETL_DATA_DIR`, else `<repo>/.data`. */
  rootDir?: string;
  /** Environment for these defaults and the settings' overrides; default the process environment. */
  env?: Record<string, string | undefined>;
  /** Receives status lines such as `demo:generate`; default console.log. */
  log?: (line: string) => void;
}

/**
 * Where a notebook reads from and queries. Printing or displaying it shows where it points, never a
 * credential: the settings stay in private fields.
 */
export class NotebookSession implements Displayable {
  readonly #targets: OpenTargets;
  readonly #redact: (text: string) => string;
  readonly #s3: S3Client;
  readonly #sql: Sql;
  #sources: Promise<SourceObject[]> | undefined;
  #closed: Promise<void> | undefined;

  constructor(targets: OpenTargets) {
    this.#targets = targets;
    this.#redact = redactor(targets.secrets);
    this.#s3 = createS3Client(targets.s3);
    this.#sql = createClient(targets.db, { applicationName: "anime-notebook", max: 2 });
  }

  /** S3 client for the configured source (or the demo store). */
  get s3(): S3Client {
    return this.#open().#s3;
  }

  /** postgres.js client for the pipeline's database. */
  get sql(): Sql {
    return this.#open().#sql;
  }

  /** True once {@link NotebookSession.close} was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** `configured` (credentials.cfg) or `embedded` (local PostgreSQL and the demo S3 store). */
  get mode(): OpenTargets["mode"] {
    return this.#targets.mode;
  }

  /** `postgres://user@host:port/db`, without a password. */
  get connectUrl(): string {
    return this.#targets.connectUrl;
  }

  /** `s3://bucket/prefix`. */
  get s3Url(): string {
    return `s3://${this.#targets.s3.bucket}/${this.#targets.s3.prefix}`;
  }

  /** The targets `runEtl` needs. Holds credentials: pass it on, do not print it. */
  get targets(): OpenTargets {
    return this.#open().#targets;
  }

  /** The four source objects (listed once per session), in load order. */
  async sources(): Promise<SourceObject[]> {
    this.#sources ??= findSourceObjects(this.s3, this.#targets.s3);
    return await this.#sources;
  }

  /** One source object by its logical file name, e.g. `anime.csv`. */
  async source(file: SourceFile): Promise<SourceObject> {
    return (await this.sources()).find((source) => source.file === file)!;
  }

  /** Replaces every credential value in a text with `***`. */
  redact(text: string): string {
    return this.#redact(text);
  }

  /**
   * Closes the database and S3 clients and stops the demo store; the embedded PostgreSQL keeps
   * running. Closing twice is harmless; using the session afterwards throws, saying to reopen it.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (current === this) current = undefined;
      this.#s3.destroy();
      await this.#sql.end({ timeout: 5 });
      await this.#targets.close();
    })();
    return this.#closed;
  }

  #open(): this {
    if (this.#closed !== undefined) {
      throw new Error(
        "Cannot use the notebook session: it was closed (a notebook's last cell closes it); " +
          "run the cell that calls openSession() again to reopen it",
      );
    }
    return this;
  }

  /** A table of what the session points at. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return htmlTable([
      { setting: "mode", value: this.mode },
      { setting: "source", value: this.s3Url },
      {
        setting: "S3 endpoint",
        value: this.#targets.s3.endpoint ?? `AWS (${this.#targets.s3.region})`,
      },
      { setting: "database", value: this.connectUrl },
    ], { caption: "Notebook session" })[JUPYTER_DISPLAY]();
  }

  /** What `JSON.stringify` writes: where the session points, without credentials. */
  toJSON(): { mode: string; source: string; database: string } {
    return { mode: this.mode, source: this.s3Url, database: this.connectUrl };
  }

  [Symbol.for("Deno.customInspect")](): string {
    return `NotebookSession { mode: "${this.mode}", source: "${this.s3Url}", database: "${this.connectUrl}" }`;
  }
}

/**
 * Opens the pipeline's targets for a notebook: the configured S3 and PostgreSQL of the config file
 * ({@link notebookConfigFile}: the one `ETL_CONFIG` names, else `<repo>/credentials.cfg`), or, when
 * there is no `<repo>/credentials.cfg` and no `ETL_CONFIG`, the embedded default (PostgreSQL under
 * `.data`, started if needed, and the demo S3 store with its generated dataset). Paths default to
 * the repository, not the working directory, so a notebook runs the same from any folder.
 *
 * @returns A session; call `close()` at the end of the notebook.
 * @throws {PipelineError} `CONFIG_MISSING` for a missing setting or a named config file that does
 *   not exist, `CONFIG_INVALID` for a bad one,
 *   `EMBEDDED_POSTGRES`/`DEMO_STORE` when the embedded default cannot start.
 */
export async function openSession(options: OpenSessionOptions = {}): Promise<NotebookSession> {
  const env = options.env ?? Deno.env.toObject();
  const configFile = options.configPath !== undefined
    ? {
      configPath: options.configPath,
      configNamedBy: options.configNamedBy ?? "the configPath option of openSession",
    }
    : notebookConfigFile(env);
  // Re-running a notebook's first cells in the same kernel must not leave the earlier session's
  // connections and demo store behind.
  if (current !== undefined && !current.closed) {
    await current.close();
    (options.log ?? console.log)(
      "session:replaced the kernel's previous session, still open, was closed",
    );
  }
  const targets = await openTargets({
    ...configFile,
    rootDir: options.rootDir ?? nonEmpty(env.ETL_DATA_DIR) ?? `${REPO_ROOT}.data`,
    env,
    log: options.log ?? ((line) => console.log(line)),
    // A reader copies the printed `connect:` command into a shell at the repository's root.
    shownFrom: REPO_ROOT,
  });
  current = new NotebookSession(targets);
  return current;
}

// The session openSession opened last in this process (a notebook's kernel), while it is open.
let current: NotebookSession | undefined;

/**
 * The config file of the notebooks, by the commands' rule (`chooseConfigFile`): the file
 * `ETL_CONFIG` names, which must exist, else `credentials.cfg` at the repository's root (not the
 * kernel's working folder), whose absence alone selects the embedded default.
 *
 * @example No ETL_CONFIG: the repository's credentials.cfg, which may be absent
 * ```ts
 * import assert from "node:assert/strict";
 * import { notebookConfigFile, REPO_ROOT } from "./open_session.ts";
 * assert.deepEqual(notebookConfigFile({}), { configPath: `${REPO_ROOT}credentials.cfg` });
 * assert.equal(notebookConfigFile({ ETL_CONFIG: "etl.cfg" }).configNamedBy,
 *   "environment variable ETL_CONFIG");
 * ```
 *
 * @param env Environment to read `ETL_CONFIG` from; default the process environment.
 * @returns The file and who named it.
 */
export function notebookConfigFile(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): ConfigFile {
  const chosen = chooseConfigFile(undefined, env);
  return chosen.configNamedBy === undefined
    ? { configPath: `${REPO_ROOT}credentials.cfg` }
    : chosen;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
