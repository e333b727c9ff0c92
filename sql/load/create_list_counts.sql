-- A full refresh's aggregates as signed contributions per (anime, status): the client's counts of
-- the rows its COPY wrote into anime_list (sql/load/copy_list_counts.sql; a replay's rows are in
-- the same tally), one row per (anime, status) with entries >= 1, then minus the rows a later
-- statement takes off the table, as rows with negative entries (the key build's repeats,
-- sql/star/duplicate_keys.sql, the only such statement). Summed per (anime, status) they are a
-- GROUP BY of the final anime_list, without a scan of it (sql/star/aggregates_from_counts.sql,
-- which copies the tally as it is when no row is negative); check aggregates_match_facts proves it.
drop table if exists pg_temp.list_counts;
create temp table list_counts (
  anime_id integer not null,
  watching_status smallint not null,
  entries bigint not null,
  rated_entries bigint not null,
  rating_sum bigint not null,
  watched_episodes_sum bigint not null
) on commit drop;
