// Owns the end-of-run summary text: rows per file, quarantine reasons, checks, time, throughput, URL.
/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSummary } from "./format_summary.ts";
 * const text = formatSummary(
 *   { runId: 1, status: "skipped", files: [], checks: [], seconds: 0.5, bytesRead: 0 },
 *   "postgres://u@h:5432/db",
 * );
 * assert.ok(text.includes("skipped"));
 * ```
 */
import { describeDelta } from "./apply_deltas.ts";
import type { RunSummary } from "./run_summary.ts";
import type { FactReconciliation } from "../load/reconcile_facts.ts";
import { formatExportSummary } from "../export/format_export_summary.ts";
import { describePriority } from "../db/run_priority.ts";
import { countText } from "../runtime/count_text.ts";

const number = countText;

/**
 * Formats a run summary for the terminal.
 *
 * @param connectUrl `postgres://` URL without password, printed so psql can connect.
 * @param passFile A libpq password file the printed command names (`PGPASSFILE=...`), if any.
 */
export function formatSummary(summary: RunSummary, connectUrl: string, passFile?: string): string {
  const lines: string[] = [];
  lines.push(`run ${summary.runId}: ${summary.status} in ${summary.seconds.toFixed(1)} s`);
  if (summary.kind !== undefined) {
    const kind = { full: "full refresh", incremental: "incremental run", skipped: "skipped" };
    lines.push(`${kind[summary.kind]}: ${summary.reason ?? ""}`);
  }
  if (summary.files.length > 0) {
    const megabytes = summary.bytesRead / 1e6;
    lines.push(
      `read ${megabytes.toFixed(1)} MB from S3 at ${
        (megabytes / Math.max(summary.seconds, 1e-3)).toFixed(1)
      } MB/s`,
    );
    // The first column fits the longest name: a delta's key is longer than any snapshot file's.
    const first = Math.max(FILE_COLUMN, ...summary.files.map((file) => file.file.length));
    const pad = (cells: string[]) => padTo(cells, [first, 12, 12, 12, 8]);
    const padLines = (cells: string[]) => padTo(cells, [first, 12, 8, 12, 12, 8]);
    lines.push(
      pad(["file", "read", "loaded", "quarantined", "seconds"]),
      ...summary.files.map((file) =>
        pad([
          file.file,
          number(file.rowsRead),
          number(file.rowsLoaded),
          number(file.rowsQuarantined),
          file.seconds.toFixed(1),
        ])
      ),
    );
    for (const file of summary.files) {
      const reasons = Object.entries(file.rejectsByReason);
      if (reasons.length > 0) {
        lines.push(
          `  ${file.file} quarantined: ${
            reasons.map(([r, n]) => `${r} ${number(n ?? 0)}`).join(", ")
          }`,
        );
      }
    }
    for (const file of summary.files) {
      if (file.delta) lines.push(`  ${file.file}: ${describeDelta(file)}`);
    }
    if (summary.reconciled) {
      lines.push(`  anime_list: ${describeReconciliation(summary.reconciled)}`);
    }
    // Every physical line, so that a record that swallowed lines shows here even when rows add up.
    lines.push(
      padLines(["lines", "total", "header", "loaded", "quarantined", "blank"]),
      ...summary.files.map(({ file, lines: counted }) =>
        padLines([
          file,
          number(counted.total),
          number(counted.header),
          number(counted.loaded),
          number(counted.quarantined),
          number(counted.blank),
        ])
      ),
    );
  }
  if (summary.checks.length > 0) {
    lines.push("quality checks:");
    for (const check of summary.checks) {
      lines.push(
        `  ${check.status.padEnd(6)} ${check.name}: ${check.observed} (expected ${check.expected})`,
      );
    }
  }
  if (summary.priority) lines.push(`priority: ${describePriority(summary.priority)}`);
  if (summary.error) lines.push(`error ${summary.error.code}: ${summary.error.message}`);
  if (summary.export) lines.push(formatExportSummary(summary.export));
  lines.push(`connect: ${passFile ? `PGPASSFILE=${passFile} ` : ""}psql ${connectUrl}`);
  return lines.join("\n");
}

// Width of the file column when every name fits (the snapshot's longest is 23 characters).
const FILE_COLUMN = 26;

function padTo(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
    .join(" ");
}

/**
 * `reconciled with the dimensions, not reloaded: 12 removed (quarantined), 3 admitted, 1 replaced
 * by an earlier line; 8,000,000 rows`.
 */
export function describeReconciliation(
  reconciled: FactReconciliation & { listRows: number },
): string {
  return `reconciled with the dimensions, not reloaded: ${number(reconciled.removed)} removed ` +
    `(quarantined), ${number(reconciled.admitted - reconciled.replaced)} admitted, ` +
    `${number(reconciled.replaced)} replaced by an earlier line; ${
      number(reconciled.listRows)
    } rows`;
}
