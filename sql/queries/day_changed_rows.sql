-- A few list rows the deltas applied by run $1 set (at most $2): who, which anime, the values, and
-- the object and line that set them.
select l.user_id, l.anime_id, m.name as anime, l.rating, w.description as watching_status,
       l.watched_episodes, s.object_key as set_by, l.source_line as line
from public.anime_list l
join public.anime_list_source s using (source_id)
join public.anime_master m on m.mal_id = l.anime_id
join public.anime_watching_status w on w.status = l.watching_status
where s.object_key in (
  select source_key from etl.run_files where run_id = $1 and source_file like 'animelist\_updates/%'
)
order by l.user_id, l.anime_id
limit $2
