// Owns `deno task demo:next-day`: adds the next daily delta to the embedded default's demo S3 store.
import { failureExitCode, failureLine, parseCommandLine } from "./_command_line.ts";
import { addNextDemoDay, DEMO_DATASET, startDemoStore } from "../embedded/demo_store.ts";
import { EMBEDDED_DEFAULTS } from "../embedded/embedded_postgres.ts";

const HELP = {
  command: "deno task demo:next-day",
  summary: "Adds the next day's delta to the embedded default's demo store (the day after the " +
    `last key under ${DEMO_DATASET.prefix}animelist_updates/, ${
      DEMO_DATASET.deltaRows.toLocaleString("en-US")
    } rows generated from the demo's seed, consistent with the snapshot and the days before) and ` +
    "prints what it added, so that the next deno task etl is an incremental run. A store not " +
    "yet made gets the demo dataset and its first days first.",
  configuration: [
    "the embedded default's data folder ./.data of the working folder (the store in .data/s3, " +
    "the generated files in .data/demo-source); reads no credentials.cfg: a configured bucket is " +
    "never written",
  ],
  exitCodes: [
    [0, "the day was added"],
    [1, "the store could not be started or written, or holds deltas that are not the demo's"],
    [2, "usage error"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {});
  if ("exitCode" in parsed) return parsed.exitCode;
  try {
    const store = await startDemoStore({ rootDir: EMBEDDED_DEFAULTS.rootDir });
    try {
      const { bucket, key, delta } = await addNextDemoDay(store);
      const e = delta.expected;
      const count = (n: number) => n.toLocaleString("en-US");
      console.log(`demo:next-day added s3://${bucket}/${key} (as of ${delta.day})`);
      console.log(
        `  ${count(e.rows)} rows: ${count(e.updated)} updated, ${count(e.inserted)} inserted, ` +
          `${count(e.removed)} removed, ${count(e.absentRemovals)} removals of absent pairs, ` +
          `${count(e.superseded)} superseded, ${
            count(e.quarantined.unknown_anime_id + e.quarantined.unknown_watching_status)
          } to quarantine (${count(e.quarantined.unknown_anime_id)} unknown_anime_id, ` +
          `${count(e.quarantined.unknown_watching_status)} unknown_watching_status)`,
      );
      console.log("  the next deno task etl applies it as an incremental run");
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    console.error(failureLine("demo:failed", error));
    return failureExitCode(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
