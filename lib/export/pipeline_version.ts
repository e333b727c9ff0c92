// Owns naming the pipeline that writes an export: its git commit and the polars that wrote the bytes.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pipelineVersion } from "./pipeline_version.ts";
 * const version = await pipelineVersion();
 * assert.match(version.nodejsPolars, /^\d+\.\d+\.\d+$/);
 * ```
 */
const ROOT = new URL("../../", import.meta.url);

/** Which code wrote an export. */
export interface PipelineVersion {
  /**
   * The checkout's commit, with `-modified` when tracked files differ from it; `unknown` outside a
   * git checkout (or without git).
   */
  version: string;
  /** The nodejs-polars version pinned in deno.json: the Parquet bytes depend on it. */
  nodejsPolars: string;
}

/** Reads the commit (through `git`) and the pinned nodejs-polars version. */
export async function pipelineVersion(): Promise<PipelineVersion> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    imports: Record<string, string>;
  };
  const polars = /@([^@]+)$/.exec(config.imports["nodejs-polars"] ?? "")?.[1] ?? "unknown";
  const commit = await git(["rev-parse", "HEAD"]);
  if (commit === undefined) return { version: "unknown", nodejsPolars: polars };
  const changes = await git(["status", "--porcelain", "--untracked-files=no"]);
  return { version: changes === "" ? commit : `${commit}-modified`, nodejsPolars: polars };
}

async function git(args: string[]): Promise<string | undefined> {
  try {
    const output = await new Deno.Command("git", {
      args: ["-C", ROOT.pathname, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}
