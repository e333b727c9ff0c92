// Owns watching a run from a test: its progress lines, and a deadline for anything that could hang.
import { createProgress, type Progress } from "../../lib/runtime/progress.ts";

/** A plain progress reporter that keeps its lines. */
export function collectProgress(): { progress: Progress; lines: string[] } {
  const lines: string[] = [];
  const progress = createProgress({
    mode: "plain",
    plainIntervalSeconds: 3600,
    write: (text) => lines.push(...text.split("\n").filter((line) => line !== "")),
  });
  return { progress, lines };
}

/** Fails instead of hanging: rejects when `promise` has not settled within `seconds`. */
export async function within<T>(seconds: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
