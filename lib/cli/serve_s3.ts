// Owns `deno task s3:serve`: a local S3-compatible server (s3rver) in its own process, for the benchmark
// and for trying the pipeline against an endpoint without AWS.
import { parseArgs } from "node:util";
import S3rver from "s3rver";

const USAGE = "usage: deno task s3:serve --dir DIR [--port N] [--bucket NAME]...";

/** Starts s3rver on 127.0.0.1 and prints `s3:listening http://127.0.0.1:PORT` once it accepts requests. */
async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        dir: { type: "string" },
        port: { type: "string", default: "0" },
        bucket: { type: "string", multiple: true, default: [] },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    return 2;
  }
  if (!values.dir) {
    console.error(`Missing --dir\n${USAGE}`);
    return 2;
  }
  const server = new S3rver({
    address: "127.0.0.1",
    port: Number(values.port),
    silent: true,
    directory: values.dir,
    configureBuckets: values.bucket.map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  console.log(`s3:listening http://127.0.0.1:${port}`);
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => resolve());
    }
  });
  // close() waits for clients' idle keep-alive connections (about 90 s for Deno's fetch); a second
  // is enough for requests in flight, and exiting closes the rest.
  await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
