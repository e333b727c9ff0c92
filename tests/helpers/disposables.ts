// Owns small `await using` wrappers for what tests open besides services: temporary folders.

/** A temporary folder removed with everything in it when disposed. */
export interface TemporaryDirectory extends AsyncDisposable {
  readonly path: string;
}

/** Creates a temporary folder; `await using dir = await temporaryDirectory("x-")`. */
export async function temporaryDirectory(prefix: string): Promise<TemporaryDirectory> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}
