// Owns the run's listing step: the snapshot's objects and the deltas, as the run sees them.
import type { S3Client } from "@aws-sdk/client-s3";
import type { EtlTargets } from "../config/settings.ts";
import { type DeltaObject, findDeltaObjects } from "../extract/delta_objects.ts";
import { findSourceObjects, type SourceObject } from "../extract/source_objects.ts";
import type { Progress } from "../runtime/progress.ts";
import type { Run, RunEtlOptions } from "./run_context.ts";
import { recordFile } from "./run_log.ts";

/** What the bucket holds for a run: the snapshot's objects and the deltas, in key order. */
export interface Listing {
  snapshot: SourceObject[];
  deltas: DeltaObject[];
}

/** A listing under way, started before the run has its connections ready. */
export interface StartedListing extends AsyncDisposable {
  listed: Promise<Listing>;
}

/**
 * Starts listing the bucket (the snapshot's objects, then the deltas, one request after the other
 * as before) while the run checks its migrations, connects its other sessions and takes its lock,
 * once the database has answered (a run that cannot reach it touches no object): those steps and
 * the listing no longer take their time one after the other (docs/daily_deltas.md, "An
 * incremental run's fixed costs"). Disposing it before the listing is used aborts it and waits for
 * it to settle, so a run that fails first (another run holding the lock, an incompatible schema)
 * leaves no request behind and is not held up by the listing's retries.
 */
export function startListing(
  s3: S3Client,
  targets: EtlTargets,
  options: RunEtlOptions,
  progress: Progress,
): StartedListing {
  const abort = new AbortController();
  const listing = {
    stallTimeoutMs: targets.limits.stallTimeoutSeconds * 1000,
    ...options.retry,
    signal: abort.signal,
    onRetry: ({ attempt, reason }: { attempt: number; reason: string }) =>
      progress.event(`extract:retry listing attempt ${attempt}: ${reason}`),
  };
  const listed = (async () => {
    const snapshot = await findSourceObjects(s3, targets.s3, listing);
    const deltas = await findDeltaObjects(s3, targets.s3, listing);
    return { snapshot, deltas };
  })();
  // Its failure is the run's once the run awaits it; until then it must not count as unhandled.
  listed.catch(() => {});
  return {
    listed,
    async [Symbol.asyncDispose]() {
      abort.abort(new Error("the run ended before its listing was used"));
      await listed.catch(() => {});
    },
  };
}

// List: the snapshot's objects, recorded before anything is read from them, and the deltas (each
// recorded once the plan applies it).
export async function listSources(run: Run, started: StartedListing): Promise<Listing> {
  const { stop } = run;
  const { snapshot, deltas } = await stop.race(started.listed);
  for (const source of snapshot) await recordFile(run.connections.log, run.runId, source);
  stop.throwIfStopped();
  return { snapshot, deltas };
}
