// Owns notebook 04's "one day": adding the demo's next daily delta to the embedded default's store,
// so that the next run is an incremental one (a configured bucket is never written).
/**
 * @example Before the run of the day
 * ```ts ignore
 * import { addNextDay } from "./next_day.ts";
 * const day = await addNextDay(session.targets);
 * console.log(day.text);
 * ```
 */
import { addNextDemoDay, type DemoStore } from "../../embedded/demo_store.ts";

/** What {@link addNextDay} did. */
export interface NextDay {
  /** The delta's full key, when one was added. */
  key?: string;
  /** One sentence for the notebook. */
  text: string;
}

/**
 * Adds the demo's next day (`deno task demo:next-day`) when the targets are the embedded default;
 * with configured targets adds nothing, and says that the run applies what the producer published.
 */
export async function addNextDay(targets: { demoStore?: DemoStore }): Promise<NextDay> {
  if (!targets.demoStore) {
    return {
      text: "Configured targets: the notebook never writes your bucket, so the run below applies " +
        "whatever new deltas the producer published under animelist_updates/ (or skips).",
    };
  }
  const { bucket, key, delta } = await addNextDemoDay(targets.demoStore);
  const e = delta.expected;
  const count = (n: number) => n.toLocaleString("en-US");
  return {
    key,
    text: `Added s3://${bucket}/${key} (as of ${delta.day}): ${count(e.rows)} rows, of which ` +
      `${count(e.updated)} update a pair, ${count(e.inserted)} add one, ${count(e.removed)} ` +
      `remove one, ${count(e.absentRemovals)} remove an absent pair and ${count(e.superseded)} ` +
      "are superseded by a later line of their pair (the demo generator's own counts; the run " +
      "below counts them again).",
  };
}
