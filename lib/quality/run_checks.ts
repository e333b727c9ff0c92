// Owns the quality checks: each sql/quality file measures one property of the star schema.
/**
 * @example Check the staged tables of a run
 * ```ts ignore
 * import { runQualityChecks } from "./run_checks.ts";
 * const checks = await runQualityChecks(tx, runId);
 * console.table(checks);
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { sqlNames, sqlText } from "../db/sql_files.ts";

/** Outcome of one check; `failed` on a blocking check stops the publish. */
export type CheckStatus = "passed" | "failed" | "warned";

/** One quality check's result, as stored in etl.quality_checks. */
export interface QualityCheck {
  name: string;
  description: string;
  status: CheckStatus;
  blocking: boolean;
  observed: string;
  expected: string;
}

/** A check's SQL and what its header says about it. */
export interface QualityCheckDefinition {
  name: string;
  description: string;
  blocking: boolean;
  /** True when the check also runs in incremental runs: it reads the ledger, never the fact table. */
  incremental: boolean;
  query: string;
}

/** Reads the check definitions from sql/quality, in file order. */
export async function qualityCheckDefinitions(): Promise<QualityCheckDefinition[]> {
  const definitions: QualityCheckDefinition[] = [];
  for (const file of await sqlNames("quality")) {
    const query = await sqlText(file);
    const description = /^--\s*(.+)$/m.exec(query)?.[1] ?? "";
    definitions.push({
      name: file.split("/").pop()!.replace(/^\d+_/, ""),
      description,
      blocking: !/^--\s*blocking:\s*false/m.test(query),
      incremental: /^--\s*incremental:\s*true/m.test(query),
      query,
    });
  }
  return definitions;
}

/**
 * Runs one check against the tables on the connection's search_path.
 *
 * @param runId Run whose file accounting the reconciliation check compares against.
 */
export async function runQualityCheck(
  sql: Sql | TransactionSql,
  definition: QualityCheckDefinition,
  runId: number,
): Promise<QualityCheck> {
  const parameters = definition.query.includes("$1") ? [runId] : [];
  const [row] = await sql.unsafe<{ observed: string; expected: string; passed: boolean }[]>(
    definition.query,
    parameters,
  );
  const passed = row?.passed === true;
  return {
    name: definition.name,
    description: definition.description,
    status: passed ? "passed" : definition.blocking ? "failed" : "warned",
    blocking: definition.blocking,
    observed: row?.observed ?? "no result",
    expected: row?.expected ?? "",
  };
}

/**
 * Runs every check in order; in an incremental run only those marked `-- incremental: true`, which
 * cost what the delta costs (the others scan the fact table).
 */
export async function runQualityChecks(
  sql: Sql | TransactionSql,
  runId: number,
  options: { kind: "full" | "incremental" } = { kind: "full" },
): Promise<QualityCheck[]> {
  const results: QualityCheck[] = [];
  for (const definition of await qualityCheckDefinitions()) {
    if (options.kind === "incremental" && !definition.incremental) continue;
    results.push(await runQualityCheck(sql, definition, runId));
  }
  return results;
}
