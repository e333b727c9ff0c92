// Owns reading what an executed notebook shows: each output's kind, MIME types and text.
/**
 * @example Count the charts of an executed notebook
 * ```ts
 * import assert from "node:assert/strict";
 * import { notebookOutputs } from "./notebook_outputs.ts";
 * const outputs = notebookOutputs({
 *   cells: [{ cell_type: "code", metadata: {}, source: "", outputs: [
 *     { output_type: "display_data", data: { "image/svg+xml": "<svg/>", "text/plain": "chart" } },
 *   ] }],
 *   metadata: {}, nbformat: 4, nbformat_minor: 5,
 * });
 * assert.equal(outputs.filter((output) => output.mimeTypes.includes("image/svg+xml")).length, 1);
 * ```
 */
import type { NotebookDocument } from "./execute_notebook.ts";

/** One output, flattened for checks. */
export interface OutputSummary {
  /** 0-based index of the cell in the notebook. */
  cell: number;
  kind: "stream" | "display_data" | "execute_result" | "error";
  mimeTypes: string[];
  /** Every text the output holds: stream text, each MIME type's content, or `name: value` and the traceback of an error. */
  text: string;
}

/**
 * Lists every output of every code cell, in order.
 *
 * @param notebook A parsed .ipynb document.
 * @returns The outputs.
 */
export function notebookOutputs(notebook: NotebookDocument): OutputSummary[] {
  const summaries: OutputSummary[] = [];
  notebook.cells.forEach((cell, index) => {
    for (const output of cell.outputs ?? []) {
      const join = (value: string | string[] | undefined) =>
        Array.isArray(value) ? value.join("") : value ?? "";
      const texts = [
        join(output.text),
        ...Object.values(output.data ?? {}).map(join),
        output.ename !== undefined ? `${output.ename}: ${output.evalue ?? ""}` : "",
        ...(output.traceback ?? []),
      ];
      summaries.push({
        cell: index,
        kind: output.output_type,
        mimeTypes: Object.keys(output.data ?? {}),
        text: texts.filter((text) => text !== "").join("\n"),
      });
    }
  });
  return summaries;
}

/**
 * Finds what must not be committed: error outputs, and any secret value in any output.
 *
 * @param notebook A parsed .ipynb document.
 * @param secrets Values that must not appear (credentials); empty strings are ignored.
 * @returns One line per problem, naming the cell; empty when clean. Secrets are never quoted.
 */
export function findOutputProblems(
  notebook: NotebookDocument,
  secrets: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const output of notebookOutputs(notebook)) {
    if (output.kind === "error") {
      problems.push(`cell ${output.cell + 1}: error output (${output.text.split("\n")[0]})`);
    }
    for (const [i, secret] of secrets.entries()) {
      if (secret !== "" && output.text.includes(secret)) {
        problems.push(`cell ${output.cell + 1}: output contains configured secret #${i + 1}`);
      }
    }
  }
  return problems;
}
