// Owns the bench's requests to its own S3 store: a failure names its operation, bucket, key and S3 code.
/**
 * @example Upload one object; a failure reads `PutObject "b/k" failed: NoSuchBucket (HTTP 404): …`
 * ```ts ignore
 * import { PutObjectCommand } from "@aws-sdk/client-s3";
 * import { sendToStore } from "./store_requests.ts";
 * await sendToStore(client, new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));
 * ```
 */
import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { s3RequestError } from "../extract/s3_errors.ts";

/**
 * Sends `command`. An SDK failure becomes an error naming the operation, the bucket and key (the
 * prefix of a listing, the first key and count of a DeleteObjects), and the S3 code with its HTTP
 * status; never a header or key of the request's signature.
 */
export function sendToStore(
  client: S3Client,
  command: PutObjectCommand,
): Promise<PutObjectCommandOutput>;
export function sendToStore(
  client: S3Client,
  command: HeadObjectCommand,
): Promise<HeadObjectCommandOutput>;
export function sendToStore(
  client: S3Client,
  command: ListObjectsV2Command,
): Promise<ListObjectsV2CommandOutput>;
export function sendToStore(
  client: S3Client,
  command: DeleteObjectsCommand,
): Promise<DeleteObjectsCommandOutput>;
export async function sendToStore(
  client: S3Client,
  command: StoreCommand,
): Promise<unknown> {
  try {
    // The SDK types send per command; the overloads above type each command's output.
    return await client.send(command as PutObjectCommand);
  } catch (error) {
    const [operation, target] = describe(command);
    throw s3RequestError(error, operation, target);
  }
}

/**
 * The size of the object at `key`, or undefined when the store holds none (HTTP 404).
 */
export async function storedSize(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<number | undefined> {
  try {
    const head = await sendToStore(client, new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength;
  } catch (error) {
    const status = (error as { cause?: { httpStatusCode?: number } }).cause?.httpStatusCode;
    if (status === 404) return undefined;
    throw error;
  }
}

type StoreCommand =
  | PutObjectCommand
  | HeadObjectCommand
  | ListObjectsV2Command
  | DeleteObjectsCommand;

function describe(command: StoreCommand): [string, string] {
  if (command instanceof PutObjectCommand) {
    return ["PutObject", `"${command.input.Bucket}/${command.input.Key}"`];
  }
  if (command instanceof HeadObjectCommand) {
    return ["HeadObject", `"${command.input.Bucket}/${command.input.Key}"`];
  }
  if (command instanceof ListObjectsV2Command) {
    return ["ListObjectsV2", `"${command.input.Bucket}/${command.input.Prefix ?? ""}*"`];
  }
  const objects = command.input.Delete?.Objects ?? [];
  const more = objects.length > 1 ? ` and ${objects.length - 1} more keys` : "";
  return ["DeleteObjects", `"${command.input.Bucket}/${objects[0]?.Key ?? ""}"${more}`];
}
