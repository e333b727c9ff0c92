// Owns writing watching_status.csv: the real file's exact bytes (the header space, no code 5, no
// final line feed).
import { indexPrefix, writeCsvFile } from "./_csv_output.ts";
import type { ResolvedOptions } from "./_options.ts";

const WATCHING_STATUSES = [
  [1, "Currently Watching"],
  [2, "Completed"],
  [3, "On Hold"],
  [4, "Dropped"],
  [6, "Plan to Watch"],
] as const;

export function writeWatchingStatus(outDir: string, opts: ResolvedOptions) {
  return writeCsvFile(outDir, "watching_status.csv", opts.gzip, async (w) => {
    const lines = [
      `${indexPrefix(opts.format, null)}status, description`,
      ...WATCHING_STATUSES.map(([code, text], i) =>
        `${indexPrefix(opts.format, i)}${code},${text}`
      ),
    ];
    await w.text(lines.join("\n"));
    return WATCHING_STATUSES.length;
  });
}
