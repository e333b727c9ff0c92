// Owns finding system programs (runuser, useradd, ...) by absolute path, whatever PATH the caller has.
/**
 * @example Find runuser under cron's PATH, which lacks /usr/sbin
 * ```ts ignore
 * import { systemTool } from "./system_tools.ts";
 * const runuser = await systemTool("runuser", { path: "/usr/local/bin:/usr/bin:/bin" });
 * console.log(runuser); // "/usr/sbin/runuser"
 * ```
 */
import { join } from "node:path";
import { PipelineError } from "../errors.ts";

/**
 * Where Debian, Fedora and the FHS put system programs. Searched before PATH: cron's
 * `PATH=/usr/local/bin:/usr/bin:/bin` has no sbin folder, and a process running as root should not
 * pick up a `runuser` from a folder someone else may write.
 */
export const STANDARD_FOLDERS: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** Options of {@link systemTool}. */
export interface SystemToolOptions {
  /** PATH searched after the standard folders; default the process's PATH. */
  path?: string;
}

const found = new Map<string, string>();

/**
 * The absolute path of an executable program, looked up in {@link STANDARD_FOLDERS}, then PATH.
 *
 * @param name A program name without folders, such as `runuser`.
 * @throws {PipelineError} `EMBEDDED_POSTGRES` naming every folder searched when none has it.
 */
export async function systemTool(name: string, options: SystemToolOptions = {}): Promise<string> {
  const path = options.path ?? Deno.env.get("PATH") ?? "";
  const key = `${name}\0${path}`;
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  const folders = [...new Set([...STANDARD_FOLDERS, ...path.split(":").filter((f) => f !== "")])];
  for (const folder of folders) {
    const candidate = join(folder, name);
    if (await isExecutableFile(candidate)) {
      found.set(key, candidate);
      return candidate;
    }
  }
  throw new PipelineError(
    "EMBEDDED_POSTGRES",
    `Cannot find the program "${name}": searched ${folders.join(", ")}`,
    { stage: "runtime" },
  );
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && info.mode !== null && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
