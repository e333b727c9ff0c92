// The quality checks, one step each, against the published data; `deno task quality` (lib/cli/quality.ts)
// checks the command line, the configuration and the database first, then runs this file.
// Not named *_test.ts on purpose: `deno task test` must not run it against a developer's database.
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { qualityCheckDefinitions, runQualityCheck } from "../../lib/quality/run_checks.ts";
import { openDatabase } from "../../lib/targets.ts";
import { sqlText } from "../../lib/db/sql_files.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { config: { type: "string", default: "./credentials.cfg" } },
});

Deno.test({
  name: "published data passes the quality checks",
  async fn(t) {
    const { db } = await openDatabase({ configPath: values.config! });
    const sql = postgres({
      host: db.host,
      port: db.port,
      database: db.database,
      username: db.user,
      password: db.password,
      max: 1,
      onnotice: () => {},
    });
    try {
      const [published] = await sql.unsafe<{ run_id: string | null }[]>(
        await sqlText("runs/last_published_run"),
      );
      assert.ok(
        published?.run_id,
        `no published run in ${db.host}:${db.port}/${db.database}: run deno task etl first`,
      );
      const runId = Number(published.run_id);
      console.log(`checking run ${runId} in ${db.host}:${db.port}/${db.database}`);
      for (const definition of await qualityCheckDefinitions()) {
        await t.step(definition.name, async () => {
          const check = await runQualityCheck(sql, definition, runId);
          console.log(`${check.status}: observed ${check.observed}; expected ${check.expected}`);
          assert.notEqual(
            check.status,
            "failed",
            `${definition.description} observed ${check.observed}, expected ${check.expected}`,
          );
        });
      }
    } finally {
      await sql.end();
    }
  },
});
