-- The client's counts of the rows its COPY wrote into anime_list, one row per (anime, status) it
-- saw ($1 anime ids, $2 status codes, $3 entries, $4 rated entries, $5 rating sums, $6 episodes).
insert into list_counts
  (anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum)
select *
from unnest($1::integer[], $2::smallint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
