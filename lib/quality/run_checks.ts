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
  /**
   * True when the check reads pg_temp.fact_groups (`-- reads: fact_groups`), the checks' one scan
   * of anime_list (sql/quality_scan/fact_groups.sql), instead of scanning it itself.
   */
  readsFactGroups: boolean;
  /**
   * False when the check compares the aggregates with the fact table itself
   * (`-- dimension runs: false`): a run on changed dimension files alone makes its fact_groups from
   * the aggregates, against which that comparison proves nothing.
   */
  dimensionRuns: boolean;
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
      readsFactGroups: /^--\s*reads:\s*fact_groups/m.test(query),
      dimensionRuns: !/^--\s*dimension runs:\s*false/m.test(query),
      query,
    });
  }
  return definitions;
}

/**
 * Scans anime_list (on the search_path) once into pg_temp.fact_groups, for the checks that read it;
 * dropped at the transaction's commit. `from: "aggregates"` takes the groups from
 * anime_status_stats instead, without reading the fact table (a run on dimension files alone).
 */
export async function scanFactGroups(
  tx: TransactionSql,
  from: "facts" | "aggregates" = "facts",
): Promise<void> {
  await tx.unsafe(
    await sqlText(from === "facts" ? "quality_scan/fact_groups" : "quality_scan/aggregate_groups"),
  );
}

/**
 * Runs one check against the tables on the connection's search_path. A check that reads
 * fact_groups gets a fresh scan of anime_list first, unless `factGroupsScanned` says the caller's
 * transaction holds one of the tables as they are now.
 *
 * @param runId Run whose file accounting the reconciliation check compares against.
 */
export async function runQualityCheck(
  sql: Sql | TransactionSql,
  definition: QualityCheckDefinition,
  runId: number,
  options: { factGroupsScanned?: boolean } = {},
): Promise<QualityCheck> {
  if (definition.readsFactGroups && !options.factGroupsScanned) {
    // The scan and the check share a transaction: the table lives until its commit.
    const scanAndCheck = async (tx: TransactionSql) => {
      await scanFactGroups(tx);
      return await runQualityCheck(tx, definition, runId, { factGroupsScanned: true });
    };
    return "savepoint" in sql ? await scanAndCheck(sql) : await sql.begin(scanAndCheck);
  }
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
 * cost what the delta costs (the others scan the fact table). The checks that read fact_groups
 * share one scan of anime_list, made before the first of them. A run on changed dimension files
 * alone (`dimensions`) runs every check but those marked `-- dimension runs: false`, with
 * fact_groups taken from the aggregates (the reconciliation changed them by the rows it moved): the
 * dimension files' accounting, and the list's count from the aggregates against the ledger's.
 */
export async function runQualityChecks(
  tx: TransactionSql,
  runId: number,
  options: { kind: "full" | "incremental" | "dimensions" } = { kind: "full" },
): Promise<QualityCheck[]> {
  const definitions = (await qualityCheckDefinitions()).filter((definition) =>
    options.kind === "full" || definition.incremental ||
    (options.kind === "dimensions" && definition.dimensionRuns)
  );
  const factGroupsScanned = definitions.some((definition) => definition.readsFactGroups);
  if (factGroupsScanned) {
    await scanFactGroups(tx, options.kind === "dimensions" ? "aggregates" : "facts");
  }
  const results: QualityCheck[] = [];
  for (const definition of definitions) {
    results.push(await runQualityCheck(tx, definition, runId, { factGroupsScanned }));
  }
  return results;
}
