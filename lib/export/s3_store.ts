// Owns exports under an S3 prefix: files uploaded first, manifest.json last, so that an export is
// complete exactly when its manifest exists.
/**
 * @example
 * ```ts ignore
 * import { S3Store } from "./s3_store.ts";
 * const store = new S3Store({ kind: "s3", bucket: "models", prefix: "anime" }, settings.s3);
 * console.log(store.location(12)); // s3://models/anime/run=12
 * store.close();
 * ```
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { S3Settings } from "../config/settings.ts";
import { describeExportTarget } from "../config/export_target.ts";
import { errorMessage, PipelineError } from "../errors.ts";
import { createS3Client } from "../extract/s3_client.ts";
import { sendWithRetries } from "../extract/send_with_retries.ts";
import type { ExportStore, LocalFile, StoredFile } from "./export_store.ts";

/** An S3 bucket and prefix holding `run=N/` exports. */
export class S3Store implements ExportStore {
  readonly target: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #client: S3Client;

  constructor(target: { kind: "s3"; bucket: string; prefix: string }, settings: S3Settings) {
    this.target = describeExportTarget(target);
    this.#bucket = target.bucket;
    this.#prefix = target.prefix === "" ? "" : `${target.prefix}/`;
    this.#client = createS3Client(settings);
  }

  location(runId: number): string {
    return `${this.target}/run=${runId}`;
  }

  async readManifest(runId: number): Promise<string | undefined> {
    const key = this.#key(runId, "manifest.json");
    try {
      const response = await this.#get(key);
      return await response.Body!.transformToString("utf-8");
    } catch (error) {
      if (error instanceof PipelineError && error.code === "SOURCE_MISSING") {
        if (/NoSuchBucket/.test(error.message)) throw this.#wrap(error);
        return undefined;
      }
      throw this.#wrap(error);
    }
  }

  #get(key: string) {
    return this.#send(
      `read ${this.#show(key)}`,
      (abortSignal) =>
        this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
          abortSignal,
        }),
    );
  }

  async listFiles(runId: number): Promise<StoredFile[]> {
    const prefix = this.#key(runId, "");
    const files: StoredFile[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.#send(
        `list ${this.#show(prefix)}`,
        (abortSignal) =>
          this.#client.send(
            new ListObjectsV2Command({
              Bucket: this.#bucket,
              Prefix: prefix,
              ...(token ? { ContinuationToken: token } : {}),
            }),
            { abortSignal },
          ),
      ).catch((error) => {
        throw this.#wrap(error);
      });
      for (const object of page.Contents ?? []) {
        files.push({ path: object.Key!.slice(prefix.length), sizeBytes: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  }

  async localFile(runId: number, path: string): Promise<LocalFile> {
    const key = this.#key(runId, path);
    const folder = await Deno.makeTempDir({ prefix: "anime-export-verify-" });
    const local = join(folder, path.split("/").pop()!);
    const release = () => Deno.remove(folder, { recursive: true }).catch(() => {});
    try {
      const response = await this.#get(key);
      const file = await Deno.open(local, { write: true, createNew: true });
      await response.Body!.transformToWebStream().pipeTo(file.writable);
      return { path: local, release };
    } catch (error) {
      await release();
      throw this.#wrap(error);
    }
  }

  stagingFolder(runId: number): Promise<string> {
    return Deno.makeTempDir({ prefix: `anime-export-run=${runId}-` });
  }

  async publish(runId: number, staging: string, files: string[]): Promise<void> {
    for (const path of files) {
      const key = this.#key(runId, path);
      const body = await Deno.readFile(join(staging, path));
      // Content-MD5 makes S3 refuse a body damaged on the way instead of storing it.
      const md5 = createHash("md5").update(body).digest("base64");
      await this.#send(
        `write ${this.#show(key)}`,
        (abortSignal) =>
          this.#client.send(
            new PutObjectCommand({
              Bucket: this.#bucket,
              Key: key,
              Body: body,
              ContentLength: body.length,
              ContentMD5: md5,
            }),
            { abortSignal },
          ),
      ).catch((error) => {
        throw this.#wrap(error);
      });
    }
    await this.discard(staging);
  }

  async discard(staging: string): Promise<void> {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }

  close(): void {
    this.#client.destroy();
  }

  #key(runId: number, path: string): string {
    return `${this.#prefix}run=${runId}/${path}`;
  }

  #show(key: string): string {
    return `s3://${this.#bucket}/${key}`;
  }

  #send<T>(action: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return sendWithRetries(send, { action, maxAttempts: 5 });
  }

  // S3 failures come classified for reading sources; here they are the export target's.
  #wrap(error: unknown): PipelineError {
    if (error instanceof PipelineError && error.code.startsWith("EXPORT_")) return error;
    return new PipelineError("EXPORT_TARGET", errorMessage(error), {
      stage: "export",
      cause: error,
    });
  }
}
