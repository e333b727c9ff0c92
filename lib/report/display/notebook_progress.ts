// Owns showing a run's progress as notebook output: plain lines through console.log.
/**
 * @example Report a run's progress inside a notebook
 * ```ts ignore
 * import { notebookProgress } from "./notebook_progress.ts";
 * const summary = await runEtl(session.targets, { progress: notebookProgress() });
 * ```
 */
import { createProgress, type Progress } from "../../runtime/progress.ts";

/**
 * A progress reporter whose lines become cell output. The kernel captures console output but not
 * direct writes to stderr (the CLI's default), and a cell cannot rewrite a line, so this prints
 * plain lines: one per file when it finishes, and one every `intervalSeconds` while it loads.
 *
 * @param intervalSeconds Seconds between progress lines of a file; default 5.
 */
export function notebookProgress(intervalSeconds = 5): Progress {
  return createProgress({
    mode: "plain",
    plainIntervalSeconds: intervalSeconds,
    write: (text) => console.log(text.trimEnd()),
  });
}
