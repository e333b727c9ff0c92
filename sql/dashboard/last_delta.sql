-- The last daily delta the published list contains (call only when public.anime_list_source
-- exists): its key, its as-of date, the run that applied it and when, and its lag at now(): the
-- days from its as-of date to today, how far the published list is behind the producer.
select s.source_id::int as source_id,
       s.object_key,
       s.as_of::text as as_of,
       applied.run_id::int as applied_run_id,
       applied.finished_at as applied_at,
       (now()::date - s.as_of)::int as lag_days
from public.anime_list_source s
left join lateral (
  select r.run_id, r.finished_at
  from etl.run_files f
  join etl.runs r using (run_id)
  where f.source_id = s.source_id and f.source_key = s.object_key and f.etag = s.etag
    and r.status = 'succeeded'
  order by r.run_id
  limit 1
) applied on true
where s.source_id > 1
order by s.source_id desc
limit 1
