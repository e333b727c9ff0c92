-- Writes the aggregates of a full refresh (anime_status_stats, anime_stats; on the search_path)
-- from pg_temp.list_counts (sql/load/create_list_counts.sql): the client's counts of the rows it
-- streamed, less the rows taken off anime_list since, one row per (anime, status), in key order as
-- the client wrote them (a row the key build's repeats changed moves to the end, which only the
-- index builds' sorts see). About 87,000 rows at 8M list rows: no scan of the fact table, which
-- quality check aggregates_match_facts then scans once to prove them. An (anime, status) whose rows
-- all left has no row, as in a GROUP BY. DELETE, not TRUNCATE, as in build_aggregates.sql.
-- list_counts is copied as it is: when the key build's repeats were appended to it as negative rows
-- instead of subtracted in place, each key's rows had to be summed and sorted here, 162 ms at 8M
-- rows (87,506 keys) against 71 ms for the copy (auto_explain; the whole file 221-345 ms in six
-- full refreshes of the bench's data against 136-290 ms in seven, statement log; measured while
-- the copy still ran behind a 10 ms test for a negative row).
-- anime_stats' sums are taken in double precision: sum(bigint) accumulates and returns numeric,
-- whose per-group state made this slow. A double is exact for integers up to 2^53, the bound the
-- client's counts already live under (lib/load/list_counts.ts), and the check compares every
-- figure with PostgreSQL's own integer GROUP BY of anime_list.
-- The staged tables are new and have no keys yet (sql/star/aggregate_keys.sql follows).
delete from anime_stats;
delete from anime_status_stats;
insert into anime_status_stats
  (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum
from list_counts
where entries <> 0;
insert into anime_stats (anime_id, list_entries, rated_entries, rating_sum, watched_episodes_sum)
select anime_id, sum(entries::float8)::bigint, sum(rated_entries::float8)::bigint,
       sum(rating_sum::float8)::bigint, sum(watched_episodes_sum::float8)::bigint
from anime_status_stats
group by anime_id
order by anime_id;
