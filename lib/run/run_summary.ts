// Owns the shape of what a run did: per file accounting, checks, timing, and the failure if any.
import type { ExportSummary } from "../export/export_run.ts";
import type { DeltaFile, SourceFile } from "../extract/source_objects.ts";
import type { DeltaCounts } from "../load/apply_delta.ts";
import type { ReferenceCheck } from "../load/delta_references.ts";
import type { FileLoadResult } from "../load/file_load.ts";
import type { FactReconciliation } from "../load/reconcile_facts.ts";
import type { QualityCheck } from "../quality/run_checks.ts";
import type { PriorityReport } from "../db/run_priority.ts";

/** Accounting of one source file in a run. */
export interface FileSummary extends FileLoadResult {
  file: SourceFile | DeltaFile;
  /** For a daily delta: what it did to the list. */
  delta?: DeltaCounts;
  /**
   * For a daily delta: how its inserted rows were held to anime_list's foreign keys (one set-based
   * check, or the per-row triggers when the role may not turn them off).
   */
  referenceCheck?: ReferenceCheck;
  key: string;
  etag: string;
  sizeBytes: number;
  seconds: number;
}

/** What a run did. */
export interface RunSummary {
  runId: number;
  status: "succeeded" | "skipped" | "failed";
  /** What the run set out to do (absent when it failed before deciding) and why. */
  kind?: "full" | "incremental" | "skipped";
  reason?: string;
  files: FileSummary[];
  checks: QualityCheck[];
  seconds: number;
  /**
   * For a run on changed dimension files only: what reconciling anime_list with them did, and the
   * list's rows after (before any new delta).
   */
  reconciled?: FactReconciliation & { listRows: number };
  /** Stored bytes read from S3. */
  bytesRead: number;
  /** A full refresh: seconds its aggregates' build took (one pass over the final fact table). */
  aggregatesSeconds?: number;
  /**
   * What yielding to readers did: the nice value of the run's process, backends and parallel
   * workers, or why they were left alone (`[ETL] PRIORITY = off`, a remote server).
   */
  priority?: PriorityReport;
  /** Why the run failed: code and message. */
  error?: { code: string; message: string };
  /**
   * Set when the failure could not be written to etl.runs (the database is unreachable): why not.
   * The run stays `running` there until the next run marks it abandoned.
   */
  unrecorded?: string;
  /** The export to `[EXPORT] TARGET` after the run, when one is set and the run did not fail. */
  export?: ExportSummary;
}
