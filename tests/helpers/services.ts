// Owns the real services tests run against: an embedded PostgreSQL, s3rver buckets, config files.
import type { Sql } from "postgres";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { DbSettings, EtlTargets, S3Settings } from "../../lib/config/settings.ts";
import { createClient } from "../../lib/db/create_client.ts";
import { createS3Client } from "../../lib/extract/s3_client.ts";
import { startEmbeddedPostgres } from "../../lib/embedded/embedded_postgres.ts";
import { createS3rver } from "../../lib/embedded/s3rver_server.ts";
import { TEST_PG_PORT } from "./ports.ts";

const TEST_ROOT = new URL("../../.data/test", import.meta.url).pathname;

let server: Promise<DbSettings> | undefined;

/** Starts (once per test module) or reuses the test PostgreSQL cluster. */
export function testPostgres(): Promise<DbSettings> {
  server ??= startSharedCluster();
  return server;
}

// `deno test --parallel` runs test modules side by side: a lock file keeps two of them from
// running initdb or pg_ctl start on the same cluster at once.
async function startSharedCluster(): Promise<DbSettings> {
  await Deno.mkdir(TEST_ROOT, { recursive: true });
  using lock = await Deno.open(`${TEST_ROOT}.lock`, { create: true, write: true });
  await lock.lock(true);
  try {
    return await startEmbeddedPostgres({
      rootDir: TEST_ROOT,
      port: TEST_PG_PORT,
      database: "postgres",
    });
  } finally {
    await lock.unlock();
  }
}

/** Creates an empty database with a unique name, so tests never share state. */
export async function freshDatabase(label = "t"): Promise<DbSettings> {
  const admin = await testPostgres();
  const database = `${label}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sql = connectTo(admin);
  try {
    await sql.unsafe(`create database ${database}`);
  } finally {
    await sql.end();
  }
  return { ...admin, database };
}

/** A postgres.js client for a test database; `await using` ends it. */
export function connectTo(db: DbSettings): Sql & AsyncDisposable {
  return disposable(
    createClient(db, { applicationName: "anime-test", max: 3, connectTimeoutSeconds: 30 }),
  );
}

function disposable(sql: Sql): Sql & AsyncDisposable {
  return Object.assign(sql, { [Symbol.asyncDispose]: () => sql.end() });
}

/** A running s3rver with helpers to fill buckets; `await using` closes it. */
export interface TestStore extends AsyncDisposable {
  endpoint: string;
  /** S3 settings for a bucket and prefix on this store. */
  settings(bucket: string, prefix: string): S3Settings;
  /** Creates a bucket (name must be 3..63 chars). */
  createBucket(bucket: string): Promise<void>;
  /** Stores an object. */
  put(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
}

/** Starts s3rver on a free loopback port with its own temporary folder. */
export async function startTestStore(): Promise<TestStore> {
  const directory = await Deno.makeTempDir({ prefix: "s3rver-" });
  const s3rver = createS3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await s3rver.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (bucket: string, prefix: string): S3Settings => ({
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    region: "us-east-1",
    bucket,
    prefix,
    endpoint,
  });
  const client = createS3Client(settings("unused", ""));
  return {
    endpoint,
    settings,
    async createBucket(bucket) {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    async put(bucket, key, body) {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  async function close() {
    client.destroy();
    await s3rver.close();
    await Deno.remove(directory, { recursive: true });
  }
}

/** A unique bucket name per test. */
export function uniqueBucket(label = "bkt"): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Targets for runEtl with default limits. */
export function targetsFor(s3: S3Settings, db: DbSettings, rejectThreshold = 0.01): EtlTargets {
  return {
    s3,
    db,
    limits: {
      rejectThreshold,
      stallTimeoutSeconds: 10,
      publishWaitSeconds: 180,
      // In-process runs would lower the test process itself: tests/run_priority_test.ts checks it in a child.
      priority: 0,
    },
  };
}

/** Writes an INI config file (mode 600) and returns its path. */
export async function writeConfig(
  dir: string,
  s3: S3Settings,
  db: DbSettings,
  extra = "",
): Promise<string> {
  const path = `${dir}/credentials.cfg`;
  const text = [
    "[S3]",
    `AWS_ACCESS_KEY_ID = ${s3.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY = ${s3.secretAccessKey}`,
    `REGION = ${s3.region}`,
    `BUCKET = ${s3.bucket}`,
    `PREFIX = ${s3.prefix}`,
    ...(s3.endpoint ? [`ENDPOINT = ${s3.endpoint}`] : []),
    "",
    "[DB]",
    `HOST = ${db.host}`,
    `PORT = ${db.port}`,
    `DATABASE = ${db.database}`,
    `USER = ${db.user}`,
    `PASSWORD = ${db.password}`,
    extra,
  ].join("\n");
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600);
  return path;
}

/** S3 settings for commands that need a valid [S3] section but never read S3 (the dashboard). */
export const UNREAD_S3: S3Settings = {
  accessKeyId: "",
  secretAccessKey: "",
  region: "us-east-1",
  bucket: "unused",
  prefix: "",
  endpoint: "http://127.0.0.1:9",
};
