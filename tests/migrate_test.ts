// Tests of the migrations against a live database, as graphile/worker tests its migrate: a second run
// changes nothing, and a schema migrated by a newer pipeline is refused before anything changes.
import assert from "node:assert/strict";
import { dumpSchema } from "../lib/db/dump_schema.ts";
import { migrate, pendingMigrations } from "../lib/db/migrate.ts";
import { sqlNames } from "../lib/db/sql_files.ts";
import { PipelineError } from "../lib/errors.ts";
import { connectTo, freshDatabase } from "./helpers/services.ts";

const MIGRATIONS = (await sqlNames("migrations"))
  .map((name) => name.split("/").pop()!)
  .filter((name) => name !== "000000_bootstrap");

Deno.test("migrate applies every migration once: a second run changes nothing", async () => {
  const db = await freshDatabase("migrate");
  await using sql = connectTo(db);
  assert.deepEqual(await pendingMigrations(sql), { bookkept: false, pending: MIGRATIONS });
  assert.deepEqual(await migrate(sql), MIGRATIONS);
  const schema = await dumpSchema(sql, "etl");
  const recorded = await sql`select version, name, applied_at from etl.schema_migrations
                             order by version`;
  assert.deepEqual(await migrate(sql), []);
  assert.equal(await dumpSchema(sql, "etl"), schema);
  assert.deepEqual(
    await sql`select version, name, applied_at from etl.schema_migrations order by version`,
    recorded,
  );
  assert.deepEqual(await pendingMigrations(sql), { bookkept: true, pending: [] });
});

Deno.test("migrate refuses a schema etl that a newer pipeline migrated, and changes nothing", async (t) => {
  const db = await freshDatabase("migrate");
  await using sql = connectTo(db);
  // A database at the second migration, then one this pipeline does not know (as if a newer
  // pipeline had applied it): nothing pending may be applied to it.
  await migrate(sql);
  await sql`delete from etl.schema_migrations where version > 2`;
  await sql`insert into etl.schema_migrations (version, name) values (999, '000999_from_the_future')`;
  const before = await sql`select version from etl.schema_migrations order by version`;
  const message = `Cannot use database "${db.database}": its schema etl has migration ` +
    `000999_from_the_future, which this pipeline does not know (its latest is ${
      MIGRATIONS.at(-1)
    }); ` +
    "a newer version of the pipeline migrated it: run that version, or point this one at another database";
  const refused = (error: unknown) =>
    error instanceof PipelineError && error.code === "DB_INCOMPATIBLE" && error.message === message;
  await t.step("migrate", async () => {
    await assert.rejects(migrate(sql), refused);
    assert.deepEqual(
      await sql`select version from etl.schema_migrations order by version`,
      before,
    );
  });
  await t.step("pendingMigrations, for the read-only commands", async () => {
    await assert.rejects(pendingMigrations(sql), refused);
  });
});
