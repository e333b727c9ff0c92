// Owns finding which port the embedded PostgreSQL of a data folder was started on.
/**
 * @example
 * ```ts ignore
 * import { readEmbeddedServerPort } from "./embedded_server_port.ts";
 * const port = await readEmbeddedServerPort(".data"); // e.g. 54329, undefined when not started
 * ```
 */
import { join, resolve } from "node:path";

/**
 * Reads the port from `<rootDir>/postgres/postmaster.pid`, which PostgreSQL writes at start (line 4)
 * and removes at a clean stop.
 *
 * @param rootDir The embedded default's folder, e.g. `.data`.
 * @returns The port, or undefined when the file is absent or unreadable.
 */
export async function readEmbeddedServerPort(rootDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(resolve(rootDir), "postgres", "postmaster.pid"));
  } catch {
    return undefined;
  }
  const port = Number(text.split("\n")[3]?.trim());
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
