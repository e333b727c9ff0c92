// Tests for reading the model and the analyst queries against a real PostgreSQL, before and after a run.
import assert from "node:assert/strict";
import { generateDataset } from "../lib/generate/generate_dataset.ts";
import { readModelCatalog } from "../lib/report/catalog/read_model_catalog.ts";
import { readTableSizes } from "../lib/report/catalog/read_table_sizes.ts";
import { measureQueryLoad } from "../lib/report/queries/measure_query_load.ts";
import { runQuery } from "../lib/report/queries/run_query.ts";
import { runEtl } from "../lib/run_etl.ts";
import {
  connectTo,
  freshDatabase,
  startTestStore,
  targetsFor,
  uniqueBucket,
} from "./helpers/services.ts";
import { STAR_TABLES } from "./helpers/published.ts";
import { PREFIX, uploadGenerated } from "./helpers/uploads.ts";

const STAR = [...STAR_TABLES].sort();
const REFERENCES = [
  "anime_genre.mal_id → anime_master.mal_id",
  "anime_list.anime_id → anime_master.mal_id",
  "anime_list.source_id → anime_list_source.source_id",
  "anime_list.watching_status → anime_watching_status.status",
  "anime_meta.mal_id → anime_master.mal_id",
  "anime_score_details.mal_id → anime_master.mal_id",
  "anime_stats.anime_id → anime_master.mal_id",
  "anime_status_stats.anime_id → anime_master.mal_id",
  "anime_status_stats.watching_status → anime_watching_status.status",
  "anime_synopsis.mal_id → anime_master.mal_id",
];

function references(model: Awaited<ReturnType<typeof readModelCatalog>>): string[] {
  return model.star.flatMap((table) =>
    table.foreignKeys.map((key) =>
      `${table.name}.${key.columns.join(",")} → ${key.referencedTable}.${
        key.referencedColumns.join(",")
      }`
    )
  ).sort();
}

Deno.test(
  "readModelCatalog previews the model on an empty database and leaves nothing behind",
  async () => {
    const db = await freshDatabase("model");
    const sql = connectTo(db);
    try {
      const model = await readModelCatalog(sql);
      assert.equal(model.source, "preview");
      assert.deepEqual(model.star.map((table) => table.name), STAR);
      assert.ok(model.star.every((table) => table.schema === "public"));
      assert.deepEqual(references(model), REFERENCES);
      // Later migrations may add bookkeeping tables; these are the ones the run log needs.
      const etlTables = model.etl.map((table) => table.name);
      for (const name of ["quality_checks", "rejects", "run_files", "runs", "schema_migrations"]) {
        assert.ok(etlTables.includes(name), `etl.${name} is described`);
      }
      const undocumented = [...model.star, ...model.etl].flatMap((table) => [
        ...(table.comment ? [] : [table.name]),
        ...table.columns.filter((column) => !column.comment).map((column) =>
          `${table.name}.${column.name}`
        ),
      ]);
      assert.deepEqual(undocumented, [], "every table and column has a COMMENT");
      const list = model.star.find((table) => table.name === "anime_list")!;
      assert.deepEqual(list.columns.filter((c) => c.primaryKey).map((c) => c.name), [
        "user_id",
        "anime_id",
      ]);
      const [left] = await sql<{ schemas: string[] }[]>`
      select array(select nspname::text from pg_namespace where nspname in ('etl', 'etl_model_preview')) as schemas`;
      assert.deepEqual(left?.schemas, []);
    } finally {
      await sql.end();
    }
  },
);

Deno.test(
  "after a run, the model is read from public and every analyst query answers",
  async (t) => {
    const store = await startTestStore();
    const dir = await Deno.makeTempDir();
    const db = await freshDatabase("queries");
    const sql = connectTo(db);
    try {
      const bucket = uniqueBucket("queries");
      await store.createBucket(bucket);
      const dataset = await generateDataset(dir, { animelistRows: 20_000, seed: 7 });
      await uploadGenerated(store, bucket, PREFIX, dataset);
      const summary = await runEtl(targetsFor(store.settings(bucket, PREFIX), db));
      assert.equal(summary.status, "succeeded", summary.error?.message);

      await t.step("the model comes from the published tables, with its references", async () => {
        const model = await readModelCatalog(sql);
        assert.equal(model.source, "published");
        assert.deepEqual(model.star.map((table) => table.name), STAR);
        assert.deepEqual(references(model), REFERENCES);
        // The fact table's keys are created NOT VALID (checked by fact_references_resolve instead).
        const validated = model.star.flatMap((table) =>
          table.foreignKeys.map((key) => `${table.name}:${key.validated}`)
        );
        assert.deepEqual(
          validated.filter((entry) => entry.startsWith("anime_list:")),
          ["anime_list:false", "anime_list:false", "anime_list:false"],
        );
        assert.ok(
          validated.filter((entry) => !entry.startsWith("anime_list:")).every((entry) =>
            entry.endsWith(":true")
          ),
        );
      });

      await t.step("table sizes count the published rows", async () => {
        const sizes = await readTableSizes(sql, ["public"]);
        const list = sizes.find((size) => size.table === "public.anime_list")!;
        assert.equal(
          list.rows,
          summary.files.find((file) => file.file === "animelist.csv")!.rowsLoaded,
        );
        assert.ok(list.bytes > 0 && /^\d+(\.\d)? (kB|MB)$/.test(list.size), list.size);
      });

      const cases: { name: string; parameters: (string | number)[]; columns: string[] }[] = [
        {
          name: "highest_rated_anime",
          parameters: [1000, 5],
          columns: [
            "mal_id",
            "name",
            "type",
            "mal_score",
            "mal_votes",
            "dataset_ratings",
            "dataset_mean_rating",
          ],
        },
        {
          name: "anime_by_watching_status",
          parameters: [1, 5],
          columns: ["mal_id", "name", "status", "users", "users_listing_it", "percent_of_listings"],
        },
        {
          name: "top_genres_by_rating",
          parameters: [10, 5],
          columns: ["genre", "ratings", "anime_rated", "mean_rating"],
        },
        {
          name: "latest_published_run",
          parameters: [],
          columns: ["run_id", "started_at", "finished_at", "kind"],
        },
        {
          name: "latest_full_refresh",
          parameters: [],
          columns: ["run_id", "started_at", "finished_at"],
        },
        {
          name: "recent_runs",
          parameters: [5],
          columns: [
            "run_id",
            "status",
            "kind",
            "trigger",
            "forced",
            "started_at",
            "seconds",
            "error",
          ],
        },
        {
          name: "quality_checks",
          parameters: [summary.runId],
          columns: ["name", "status", "blocking", "observed", "expected"],
        },
        {
          name: "rejects_by_reason",
          parameters: [summary.runId],
          columns: ["source_key", "reason", "rows"],
        },
        {
          name: "reject_examples",
          parameters: [summary.runId, 2],
          columns: ["source_key", "line_number", "reason", "detail", "raw"],
        },
        {
          name: "load_throughput",
          parameters: [summary.runId],
          columns: [
            "source_file",
            "rows_read",
            "size_bytes",
            "seconds",
            "rows_per_second",
            "megabytes_per_second",
          ],
        },
        {
          name: "run_history",
          parameters: [],
          columns: ["status", "runs", "median_seconds", "max_seconds", "last_started"],
        },
        {
          name: "server_settings",
          parameters: [],
          columns: ["name", "setting", "unit", "description"],
        },
      ];
      for (const { name, parameters, columns } of cases) {
        await t.step(`${name} returns rows`, async () => {
          const rows = await runQuery(sql, name, parameters);
          assert.ok(rows.length > 0, `${name} returned no row`);
          assert.deepEqual(Object.keys(rows[0]!), columns);
        });
      }

      await t.step("analyst answers agree with the fact table", async () => {
        const [watching] = await runQuery(sql, "anime_by_watching_status", [1, 1]);
        const [count] = await sql<{ n: number }[]>`
        select count(*)::int as n from anime_list where watching_status = 1 and anime_id = ${
          Number(watching!.mal_id)
        }`;
        assert.equal(watching!.users, count!.n);
        assert.equal(watching!.status, "Currently Watching");
        const genres = await runQuery(sql, "top_genres_by_rating", [10, 100]);
        const means = genres.map((row) => Number(row.mean_rating));
        assert.deepEqual(means, [...means].sort((a, b) => b - a));
        assert.ok(means.every((mean) => mean >= 1 && mean <= 10));
      });

      await t.step("model_evidence counts what the capstone's model lost", async () => {
        const [evidence] = await runQuery(sql, "model_evidence");
        const expected = dataset.expectedRejects["animelist.csv"]!;
        assert.equal(evidence!.unknown_status_rows, expected.unknown_watching_status);
        assert.equal(
          evidence!.unknown_anime_rows,
          (expected.unknown_anime_id ?? 0) +
            (dataset.expectedRejects["anime_with_synopsis.csv"]!.unknown_anime_id ?? 0),
        );
        assert.equal(evidence!.anime_scored_zero, 0);
        assert.ok(Number(evidence!.rated_entries) > 0 && Number(evidence!.unrated_entries) > 0);
      });

      await t.step("measureQueryLoad runs a query from concurrent clients", async () => {
        const load = await measureQueryLoad(db, "top_genres_by_rating", {
          parameters: [10, 5],
          connections: 3,
          requests: 12,
        });
        assert.equal(load.completed, 12);
        assert.ok(load.per_second > 0 && load.p50_ms <= load.p95_ms && load.p95_ms <= load.max_ms);
      });
    } finally {
      await sql.end();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
