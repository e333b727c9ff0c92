// Owns the S3 client: one place that turns S3 settings into a configured AWS SDK client.
/**
 * @example Client for an S3-compatible endpoint
 * ```ts
 * import { createS3Client } from "./s3_client.ts";
 * const client = createS3Client({
 *   accessKeyId: "", secretAccessKey: "", region: "us-west-2", bucket: "b", prefix: "",
 *   endpoint: "http://127.0.0.1:9000",
 * });
 * client.destroy();
 * ```
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import type { S3Settings } from "../config/settings.ts";

/**
 * Fetch through a connection pool of the client's own, which `destroy()` closes. On Deno's shared
 * pool, a destroyed client's idle keep-alive sockets stayed open for about 90 s, and a server
 * closing behind it (s3rver, `deno task s3:serve`) waited for them: up to 3 minutes per test.
 */
class OwnPoolFetchHandler extends FetchHttpHandler {
  readonly #pool: Deno.HttpClient;

  constructor() {
    const pool = Deno.createHttpClient({});
    super({ customFetch: (input, init) => fetch(input, { ...init, client: pool }) });
    this.#pool = pool;
  }

  override destroy(): void {
    this.#pool.close();
  }
}

/**
 * Creates an S3 client. Empty access keys give anonymous (unsigned) requests for public buckets;
 * an endpoint switches to path-style addressing, which S3-compatible stores expect.
 *
 * @param settings Region, credentials and optional endpoint.
 * @returns A client; call `destroy()` when done: it closes the client's connections.
 */
export function createS3Client(settings: S3Settings): S3Client {
  const config: S3ClientConfig = {
    region: settings.region,
    // Deno's native fetch streams bodies with backpressure and frees chunks promptly; the Node
    // HTTP handler's compatibility layer let a fast read hold about the whole object in memory.
    requestHandler: new OwnPoolFetchHandler(),
    // Retries are ours (resume from the byte offset); the SDK's would restart reads from zero.
    maxAttempts: 1,
    // Plain bodies: some S3-compatible stores keep aws-chunked framing in the object.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  if (settings.endpoint !== undefined) {
    config.endpoint = settings.endpoint;
    config.forcePathStyle = true;
  }
  if (settings.accessKeyId !== "") {
    config.credentials = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
    };
  } else {
    // No credentials: skip signing instead of searching the machine for a profile.
    config.signer = { sign: (request) => Promise.resolve(request) };
    config.credentials = { accessKeyId: "", secretAccessKey: "" };
  }
  return new S3Client(config);
}
