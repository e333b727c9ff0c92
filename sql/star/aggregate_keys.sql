-- The aggregate tables' keys and ranking index, built once their rows are in (after
-- sql/star/aggregates_from_counts.sql), a sort each: kept up row by row, the ranking index's
-- random inserts made the aggregates' build 1.1 s for 87,000 rows, built after 0.5 s.
alter table anime_status_stats add primary key (anime_id, watching_status);
-- The top anime of one status (sql/queries/anime_by_watching_status.sql) read in index order.
create index anime_status_stats_ranking on anime_status_stats (watching_status, entries desc, anime_id);
alter table anime_stats add primary key (anime_id);
