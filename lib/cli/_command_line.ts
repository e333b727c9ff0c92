// Owns the shared command-line contract of the CLIs: `--help` prints the usage and exits 0; a bad
// flag prints parseArgs' message (which names the flag) and the usage, and exits 2.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { errorMessage } from "../errors.ts";

/**
 * Parses `args` against `options` plus `--help`.
 *
 * @returns The values, or the exit code when the command should stop (help shown, or usage error).
 */
export function parseCommandLine<const T extends ParseArgsOptionsConfig>(
  args: string[],
  usage: string,
  options: T,
) {
  try {
    const { values } = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", default: false } },
    });
    if ((values as { help?: boolean }).help) {
      console.log(usage);
      return { exitCode: 0 } as const;
    }
    return { values };
  } catch (error) {
    console.error(`${errorMessage(error)}\n${usage}`);
    return { exitCode: 2 } as const;
  }
}
