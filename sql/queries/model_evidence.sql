-- Figures showing what the published model keeps that the capstone's lost: user ratings, missing
-- scores as NULL, synopses, trimmed genres, and list rows with unknown codes quarantined with a
-- reason (counted for the last published run). List entries are counted from the aggregates
-- (anime_stats, anime_status_stats), never the fact table: an entry without a status is one that no
-- status's row counts.
with published as (
  select max(run_id) as run_id from etl.runs where status = 'succeeded'
)
select
  (select coalesce(sum(rated_entries), 0) from anime_stats)::int as rated_entries,
  (select coalesce(sum(list_entries - rated_entries), 0) from anime_stats)::int as unrated_entries,
  ((select coalesce(sum(list_entries), 0) from anime_stats)
    - (select coalesce(sum(entries), 0) from anime_status_stats))::int as entries_without_status,
  (select count(*) filter (where score is null) from anime_master)::int as anime_without_score,
  (select count(*) filter (where score = 0) from anime_master)::int as anime_scored_zero,
  (select count(*) from anime_master)::int as anime,
  (select count(synopsis) from anime_synopsis)::int as synopses,
  (select count(distinct genre) from anime_genre)::int as genres,
  (select count(*) from anime_genre)::int as genre_links,
  (select count(*) from etl.rejects r, published p
    where r.run_id = p.run_id and r.reason = 'unknown_watching_status')::int as unknown_status_rows,
  (select count(*) from etl.rejects r, published p
    where r.run_id = p.run_id and r.reason = 'unknown_anime_id')::int as unknown_anime_rows
