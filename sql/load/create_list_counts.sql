-- A full refresh's aggregates per (anime, status): the client's counts of the rows its COPY wrote
-- into anime_list (sql/load/copy_list_counts.sql; a replay's rows are in the same tally), one row
-- per (anime, status) in key order, less the rows a later statement takes off the table, subtracted
-- in their key's row (the key build's repeats, sql/star/duplicate_keys.sql, the only such
-- statement). So they are a GROUP BY of the final anime_list, without a scan of it
-- (sql/star/aggregates_from_counts.sql copies them); check aggregates_match_facts proves it.
drop table if exists pg_temp.list_counts;
create temp table list_counts (
  anime_id integer not null,
  watching_status smallint not null,
  entries bigint not null,
  rated_entries bigint not null,
  rating_sum bigint not null,
  watched_episodes_sum bigint not null
) on commit drop;
