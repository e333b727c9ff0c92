// Owns `deno task s3:serve`: a local S3-compatible server (s3rver) in its own process, for the benchmark
// and for trying the pipeline against an endpoint without AWS, optionally filled from a plain folder.
import { createReadStream } from "node:fs";
import { join, relative, resolve } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { failureLine, parseCommandLine } from "./_command_line.ts";
import { createS3Client } from "../extract/s3_client.ts";
import { formatBytes } from "../report/display/format.ts";
import { createS3rver } from "../embedded/s3rver_server.ts";

/** The keys s3rver checks signatures against: fixed, public development keys that guard nothing. */
const S3RVER_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
const DEFAULT_BUCKET = "anime-recommendation-dataset";

const HELP = {
  command: "deno task s3:serve",
  summary: "A local S3-compatible server (s3rver) on 127.0.0.1 until SIGINT or SIGTERM. It " +
    "accepts requests signed with AWS_ACCESS_KEY_ID = S3RVER and AWS_SECRET_ACCESS_KEY = S3RVER, " +
    "or unsigned (both keys empty); any other key is refused (InvalidAccessKeyId, 403). Prints " +
    "s3:listening URL once it serves, after any --import.",
  configuration: ["none: no credentials.cfg; everything comes from the options"],
  exitCodes: [
    [0, "stopped on SIGINT or SIGTERM"],
    [1, "the server could not start, or --import could not upload a file"],
    [2, "usage error (an unknown flag, a bad port, an --import folder that cannot be read)"],
  ],
} as const;

/** Starts s3rver, uploads `--import`, prints `s3:listening http://127.0.0.1:PORT` and serves. */
async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    dir: {
      type: "string",
      value: "DIR",
      defaultText: "a new temporary folder, removed at exit",
      description: "s3rver's own store, kept between starts; files copied into it by hand are " +
        "not served: use --import",
    },
    port: {
      type: "string",
      value: "N",
      default: "0",
      description: "TCP port on 127.0.0.1; 0 picks a free one",
    },
    bucket: {
      type: "string",
      value: "NAME",
      multiple: true,
      default: [],
      description: "bucket to create at start",
    },
    import: {
      type: "string",
      value: "DIR",
      description: "upload every file under DIR at start (plain or .gz CSV files, any depth; " +
        `symbolic links to folders are not followed) into the first --bucket, else ` +
        `"${DEFAULT_BUCKET}"; each key is the file's path relative to DIR, e.g. ` +
        "Anime_Recommendation_Dataset/anime.csv",
    },
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  const port = /^\d+$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 0 && port < 65536)) {
    console.error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
    return 2;
  }
  const buckets = values.bucket.length > 0 || values.import === undefined
    ? values.bucket
    : [DEFAULT_BUCKET];
  let files: string[] = [];
  if (values.import !== undefined) {
    try {
      files = await filesUnder(resolve(values.import));
    } catch (error) {
      console.error(failureLine(`s3:failed Cannot read --import "${values.import}":`, error));
      return 2;
    }
  }
  const temporary = values.dir === undefined;
  const directory = values.dir ?? await Deno.makeTempDir({ prefix: "s3-serve-" });
  const server = createS3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  try {
    const address = await server.run();
    const endpoint = `http://127.0.0.1:${address.port}`;
    if (values.import !== undefined) {
      await importFiles(endpoint, buckets[0]!, resolve(values.import), files);
    }
    console.log(`s3:listening ${endpoint}`);
    console.log(
      `s3:keys AWS_ACCESS_KEY_ID = ${S3RVER_KEYS.accessKeyId}, AWS_SECRET_ACCESS_KEY = ${S3RVER_KEYS.secretAccessKey} ` +
        `(or both empty for unsigned requests); ENDPOINT = ${endpoint}; buckets: ${
          buckets.join(", ") || "none"
        }`,
    );
    await new Promise<void>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        Deno.addSignalListener(signal, () => resolve());
      }
    });
    return 0;
  } catch (error) {
    console.error(failureLine("s3:failed", error));
    return 1;
  } finally {
    // close() waits for clients' idle keep-alive connections (about 90 s for Deno's fetch); a
    // second is enough for requests in flight, and exiting closes the rest.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      server.close().catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 1000)),
    ]);
    clearTimeout(timer);
    if (temporary) await Deno.remove(directory, { recursive: true }).catch(() => {});
  }
}

/** Every regular file under `root` (following links to files), sorted by path. */
async function filesUnder(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile || (entry.isSymlink && (await Deno.stat(path)).isFile)) {
        files.push(path);
      }
    }
  };
  await walk(root);
  return files.sort();
}

async function importFiles(endpoint: string, bucket: string, root: string, files: string[]) {
  const client = createS3Client({
    ...S3RVER_KEYS,
    region: "us-east-1",
    bucket,
    prefix: "",
    endpoint,
  });
  let total = 0;
  try {
    for (const path of files) {
      const key = relative(root, path).split("\\").join("/");
      const { size } = await Deno.stat(path);
      // Streamed with its length, so a 2 GB animelist.csv is never held in memory.
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
        }),
      );
      total += size;
      console.log(`s3:imported ${bucket}/${key} (${formatBytes(size)})`);
    }
  } finally {
    client.destroy();
  }
  console.log(
    `s3:imported ${files.length} file${files.length === 1 ? "" : "s"} (${
      formatBytes(total)
    }) from "${root}" into bucket ${bucket}`,
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
