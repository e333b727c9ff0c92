// Owns the run's listing step: the snapshot's objects and the deltas, as the run sees them.
import { type DeltaObject, findDeltaObjects } from "../extract/delta_objects.ts";
import { findSourceObjects, type SourceObject } from "../extract/source_objects.ts";
import type { Run } from "./run_context.ts";
import { recordFile } from "./run_log.ts";

// List: the snapshot's objects, recorded before anything is read from them, and the deltas (each
// recorded once the plan applies it).
export async function listSources(
  run: Run,
): Promise<{ snapshot: SourceObject[]; deltas: DeltaObject[] }> {
  const { targets, progress, stop } = run;
  const listing = {
    stallTimeoutMs: targets.limits.stallTimeoutSeconds * 1000,
    ...run.options.retry,
    onRetry: ({ attempt, reason }: { attempt: number; reason: string }) =>
      progress.event(`extract:retry listing attempt ${attempt}: ${reason}`),
  };
  const snapshot = await stop.race(findSourceObjects(run.s3, targets.s3, listing));
  const deltas = await stop.race(findDeltaObjects(run.s3, targets.s3, listing));
  for (const source of snapshot) await recordFile(run.connections.log, run.runId, source);
  stop.throwIfStopped();
  return { snapshot, deltas };
}
