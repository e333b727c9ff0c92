// Owns producing reports/dashboard/index.html from the database, replacing the old file atomically.
/**
 * @example Regenerate the dashboard
 * ```ts ignore
 * import { writeDashboard } from "./write_dashboard.ts";
 * const { path } = await writeDashboard(sql, { outDir: "reports/dashboard" });
 * console.log(`open file://${path}`);
 * ```
 */
import type { Sql } from "postgres";
import { type DashboardStatus, dashboardStatus } from "./dashboard_status.ts";
import { readDashboardData, type ReadDashboardOptions } from "./read_dashboard_data.ts";
import { renderDashboard, type RenderDashboardOptions } from "./render_dashboard.ts";

/** Options of {@link writeDashboard}. */
export interface WriteDashboardOptions extends RenderDashboardOptions {
  /** Folder of `index.html`, created if missing; default `reports/dashboard` (git-ignored). */
  outDir?: string;
  /** How many rows each part shows. */
  read?: ReadDashboardOptions;
}

/**
 * Reads the figures, renders the page and writes `<outDir>/index.html` through a temporary file
 * and a rename, so a browser never sees half a page.
 *
 * @param sql A connection to the pipeline's database; nothing in it is changed.
 * @param options Output folder, schedule and row counts.
 * @returns The absolute path of the page, its size in bytes and the banner's verdict.
 */
export async function writeDashboard(
  sql: Sql,
  options: WriteDashboardOptions = {},
): Promise<{ path: string; bytes: number; status: DashboardStatus }> {
  const outDir = options.outDir ?? "reports/dashboard";
  const data = await readDashboardData(sql, options.read ?? {});
  const html = renderDashboard(data, options);
  await Deno.mkdir(outDir, { recursive: true });
  const path = await Deno.realPath(outDir) + "/index.html";
  const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const bytes = new TextEncoder().encode(html);
  try {
    await Deno.writeFile(temporary, bytes);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  return { path, bytes: bytes.length, status: dashboardStatus(data, options.schedule?.cron) };
}
