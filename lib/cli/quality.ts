// Owns `deno task quality`: the quality checks, as Deno tests (tests/quality/published_data.ts), against
// the published data, behind the CLI contract: usage and configuration errors exit 2 in one line.
import {
  CONFIG_FILE_HELP,
  CONFIG_OPTION,
  DB_HELP,
  failureExitCode,
  failureLine,
  parseCommandLine,
} from "./_command_line.ts";
import { chooseConfigFile } from "../config/settings.ts";
import { PipelineError } from "../errors.ts";
import { sqlText } from "../db/sql_files.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { connectDatabase } from "../db/connect_database.ts";
import { openDatabase, redactor } from "../targets.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CHECKS = `${ROOT}tests/quality/published_data.ts`;

const HELP = {
  command: "deno task quality",
  summary: "Runs the quality checks of sql/quality/ against the last published run's data, one " +
    "Deno test step per check (observed and expected), without reloading. Read-only.",
  configuration: [CONFIG_FILE_HELP, DB_HELP],
  exitCodes: [
    [0, "every check passed (warnings allowed)"],
    [1, "a check failed, nothing is published yet, or the database cannot be read"],
    [2, "usage or configuration error"],
  ],
} as const;

async function main(args: string[]): Promise<number> {
  const parsed = parseCommandLine(args, HELP, {
    config: CONFIG_OPTION,
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const config = chooseConfigFile(parsed.values.config);
  let redact = (text: string) => text;
  try {
    const { db, secrets } = await openDatabase({ ...config, log: (line) => console.error(line) });
    redact = redactor(secrets);
    const sql = await connectDatabase(db, "anime-quality", { migrate: false });
    try {
      const where = `${db.host}:${db.port}/${db.database}`;
      const nothing = new PipelineError(
        "QUALITY_FAILED",
        `Cannot check ${where}: no run has published data there yet; run deno task etl first`,
        { stage: "quality" },
      );
      if (!(await pendingMigrations(sql)).bookkept) throw nothing;
      const [published] = await sql.unsafe<{ run_id: string | null }[]>(
        await sqlText("runs/last_published_run"),
      );
      if (!published?.run_id) throw nothing;
    } finally {
      await sql.end({ timeout: 5 });
    }
  } catch (error) {
    console.error(failureLine("quality:failed", error, redact));
    return failureExitCode(error);
  }
  const checks = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--allow-all",
      "--no-check",
      "--sanitize-ops",
      "--sanitize-resources",
      "--config",
      `${ROOT}deno.json`,
      CHECKS,
      "--",
      "--config",
      config.configPath,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return checks.success ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
