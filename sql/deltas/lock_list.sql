-- The published tables an incremental run writes, locked before its merge under the run's short
-- lock_timeout (lib/db/with_short_locks.ts). ROW EXCLUSIVE conflicts with no reader's ACCESS SHARE,
-- so readers never wait behind it; it waits only behind SHARE and stronger locks (LOCK TABLE ... IN
-- SHARE MODE, CREATE INDEX, a swap), and then for a bounded time.
-- The aggregates are written by every delta too (sql/deltas/update_aggregates.sql and
-- sql/star/build_genre_stats.sql, which delete rows rather than TRUNCATE for this reason).
lock table public.anime_list_source, public.anime_list, public.anime_status_stats,
  public.anime_stats, public.genre_stats in row exclusive mode
