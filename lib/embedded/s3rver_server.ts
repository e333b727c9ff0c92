// Owns constructing s3rver: every local S3 server of the project, with its store's known race fixed.
/**
 * @example A server in a folder of its own
 * ```ts ignore
 * import { createS3rver } from "./s3rver_server.ts";
 * const server = createS3rver({ address: "127.0.0.1", port: 0, silent: true, directory: "/tmp/s3" });
 * const { port } = await server.run();
 * await server.close();
 * ```
 */
import S3rver from "s3rver";

/** The options of s3rver 3.7.1's constructor that the project uses. */
export interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets?: { name: string; configs: string[] }[];
}

interface FilesystemStore {
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * An s3rver whose DeleteObjects of several keys in one folder succeeds.
 *
 * s3rver 3.7.1 deletes the keys of one DeleteObjects request all at once, and each delete then
 * removes its key's folders while they are empty (`readdirSync`, then `rmdir`). Two deletes in one
 * folder both see it empty: the later one's `readdir` or `rmdir` fails with ENOENT after every
 * object was deleted, and s3rver answers HTTP 500 InternalError. Clearing the bench store's
 * deltas failed so (9 of 10 requests of 10 keys). A folder that a concurrent delete removed first,
 * or that a concurrent upload filled again (ENOTEMPTY), is what that clean-up wants, so those two
 * errors of it are success; an error of the object's own files still fails the request.
 */
export function createS3rver(options: S3rverOptions): S3rver {
  const server = new S3rver(options);
  // The store object that every request's context shares (s3rver.js: this.store = context.store).
  const store = (server as unknown as { store: FilesystemStore }).store;
  const deleteObject = store.deleteObject.bind(store);
  store.deleteObject = async (bucket, key) => {
    try {
      await deleteObject(bucket, key);
    } catch (error) {
      if (!isFolderCleanupRace(error)) throw error;
    }
  };
  return server;
}

function isFolderCleanupRace(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  // Node names readdir's syscall `scandir`, Deno's node:fs `readdir`.
  return (code === "ENOENT" || code === "ENOTEMPTY") &&
    (syscall === "rmdir" || syscall === "readdir" || syscall === "scandir");
}
