-- Most anime have a synopsis for the recommender's content features.
-- blocking: false
select round(100.0 * count(s.mal_id) / greatest(count(*), 1), 1) || '% of anime have a synopsis row' as observed,
       'at least 80%' as expected,
       count(s.mal_id) >= 0.8 * count(*) as passed
from anime_master m
left join anime_synopsis s using (mal_id)
