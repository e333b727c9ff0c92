// Tests for the S3 client's lifetime against a real S3-compatible server: destroy() closes its sockets.
import assert from "node:assert/strict";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "../lib/extract/s3_client.ts";
import { startFaultProxy } from "./helpers/fault_proxy.ts";
import { startTestStore, uniqueBucket } from "./helpers/services.ts";

async function waitFor(what: string, check: () => boolean, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("createS3Client: destroy() closes the client's keep-alive connections at once", async () => {
  await using store = await startTestStore();
  const bucket = uniqueBucket("pool");
  await store.createBucket(bucket);
  await store.put(bucket, "object.csv", "a,b\n1,2\n");
  // The proxy sees the client's side of every connection, idle keep-alive ones included.
  await using proxy = startFaultProxy(store.endpoint, []);
  const client = createS3Client({ ...store.settings(bucket, ""), endpoint: proxy.endpoint });
  try {
    for (let read = 0; read < 2; read++) {
      const response = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: "object.csv" }),
      );
      assert.equal(await response.Body!.transformToString(), "a,b\n1,2\n");
    }
    assert.equal(proxy.openConnections(), 1, "one kept-alive connection served both reads");
  } finally {
    client.destroy();
  }
  // A shared pool kept it for about 90 s, and a server closing behind the client waited for it.
  await waitFor("the client's connection to close", () => proxy.openConnections() === 0, 2_000);
});
