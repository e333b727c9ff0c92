// Owns exports in a local folder: `DIR/run=N/` appears whole, by renaming a finished staging folder.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DirectoryStore } from "./directory_store.ts";
 * const root = await Deno.makeTempDir();
 * const store = new DirectoryStore(root);
 * const staging = await store.stagingFolder(1);
 * await Deno.writeTextFile(`${staging}/manifest.json`, "{}");
 * await store.publish(1, staging, ["manifest.json"]);
 * assert.equal(await store.readManifest(1), "{}");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
import { join, relative, sep } from "node:path";
import { errorMessage, PipelineError } from "../errors.ts";
import type { ExportStore, LocalFile, StoredFile } from "./export_store.ts";

/** A folder holding `run=N/` exports. */
export class DirectoryStore implements ExportStore {
  readonly target: string;

  constructor(path: string) {
    this.target = path;
  }

  location(runId: number): string {
    return join(this.target, `run=${runId}`);
  }

  async readManifest(runId: number): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(join(this.location(runId), "manifest.json"));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw this.#failed(`read ${join(this.location(runId), "manifest.json")}`, error);
    }
  }

  async listFiles(runId: number): Promise<StoredFile[]> {
    const root = this.location(runId);
    const files: StoredFile[] = [];
    const walk = async (folder: string) => {
      for await (const entry of Deno.readDir(folder)) {
        const path = join(folder, entry.name);
        if (entry.isDirectory) await walk(path);
        else {
          files.push({
            path: relative(root, path).split(sep).join("/"),
            sizeBytes: (await Deno.stat(path)).size,
          });
        }
      }
    };
    try {
      await walk(root);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw this.#failed(`list ${root}`, error);
    }
    return files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  }

  localFile(runId: number, path: string): Promise<LocalFile> {
    return Promise.resolve({ path: join(this.location(runId), path), release: async () => {} });
  }

  async stagingFolder(runId: number): Promise<string> {
    try {
      await Deno.mkdir(this.target, { recursive: true });
      // Beside the final folder, so that the rename stays on one file system; the dot keeps it out
      // of a reader's scan of the target.
      return await Deno.makeTempDir({ dir: this.target, prefix: `.run=${runId}.partial-` });
    } catch (error) {
      throw this.#failed(`create a folder in ${this.target}`, error);
    }
  }

  async publish(runId: number, staging: string, _files: string[]): Promise<void> {
    const destination = this.location(runId);
    try {
      await Deno.lstat(destination);
      throw new PipelineError(
        "EXPORT_TARGET",
        `Cannot write ${destination}: it appeared while the export ran (another export of run ` +
          `${runId}?); exports are immutable, so it was left as it is`,
        { stage: "export" },
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    try {
      await Deno.rename(staging, destination);
    } catch (error) {
      throw this.#failed(`move the finished export to ${destination}`, error);
    }
  }

  async discard(staging: string): Promise<void> {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }

  close(): void {}

  #failed(action: string, error: unknown): PipelineError {
    if (error instanceof PipelineError) return error;
    return new PipelineError("EXPORT_TARGET", `Cannot ${action}: ${errorMessage(error)}`, {
      stage: "export",
      cause: error,
    });
  }
}
