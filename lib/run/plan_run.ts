// Owns deciding what a run does with the sources it listed: skip them or load them, and why.
/**
 * @example Skip when nothing changed since the last published run
 * ```ts ignore
 * import { planRun } from "./plan_run.ts";
 * const plan = await planRun(sql, sources, { force: false });
 * if (plan.action === "skip") console.log(plan.reason);
 * ```
 */
import type { Sql } from "postgres";
import type { SourceObject } from "../extract/source_objects.ts";
import { lastPublishedFiles } from "./run_log.ts";

/** What a run does, and why; the reason is printed and recorded. */
export type RunPlan =
  | { action: "skip"; reason: string }
  | { action: "load"; reason: string };

/**
 * Skips a run whose sources all have the ETags of the last published run's, unless forced.
 *
 * @param sources The objects listed now.
 * @param options `force`: load regardless.
 */
export async function planRun(
  sql: Sql,
  sources: readonly SourceObject[],
  options: { force: boolean },
): Promise<RunPlan> {
  if (options.force) return { action: "load", reason: "forced" };
  const published = await lastPublishedFiles(sql);
  if (published.length === 0) return { action: "load", reason: "nothing published yet" };
  const etags = new Map(published.map((file) => [file.sourceKey, file.etag]));
  const unchanged = published.length === sources.length &&
    sources.every((source) => etags.get(source.key) === source.etag);
  return unchanged
    ? { action: "skip", reason: "sources unchanged since the last published run" }
    : { action: "load", reason: "sources changed since the last published run" };
}
