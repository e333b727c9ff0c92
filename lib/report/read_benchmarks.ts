// Owns reading the benchmark results under reports/bench/, if a benchmark has been run.
/**
 * @example List recorded benchmark figures
 * ```ts
 * import { readBenchmarks } from "./read_benchmarks.ts";
 * const figures = await readBenchmarks("/nonexistent/reports/bench");
 * console.log(figures.length === 0 ? "not run" : figures);
 * ```
 */

/** One figure of a benchmark file: a scalar at a dotted path, e.g. `animelist.rows_per_second`. */
export interface BenchmarkFigure {
  file: string;
  path: string;
  value: string | number | boolean | null;
}

/**
 * Reads every `*.json` file of the folder and flattens it into figures (objects by key, arrays by
 * index), in file-name order.
 *
 * @param directory Folder of JSON results, e.g. `<repo>/reports/bench`.
 * @returns Figures; empty when the folder does not exist or holds no JSON file.
 * @throws {SyntaxError} When a file is not valid JSON, naming the file.
 */
export async function readBenchmarks(directory: string): Promise<BenchmarkFigure[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const figures: BenchmarkFigure[] = [];
  for (const name of names.sort()) {
    const text = await Deno.readTextFile(`${directory}/${name}`);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(
        `Cannot read benchmark "${directory}/${name}": ${(error as Error).message}`,
      );
    }
    flatten(data, "", (path, value) => figures.push({ file: name, path, value }));
  }
  return figures;
}

function flatten(
  value: unknown,
  path: string,
  emit: (path: string, value: BenchmarkFigure["value"]) => void,
) {
  if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      flatten(inner, path === "" ? key : `${path}.${key}`, emit);
    }
  } else if (
    value === null || typeof value === "string" || typeof value === "number" ||
    typeof value === "boolean"
  ) {
    emit(path, value);
  }
}
