-- Anime scores lie within 0..10 (null means no score yet, never 0).
-- blocking: true
select count(*) filter (where score < 0 or score > 10) || ' out of range, '
         || count(*) filter (where score is null) || ' null, min ' || coalesce(min(score)::text, '-')
         || ', max ' || coalesce(max(score)::text, '-') as observed,
       '0 out of range' as expected,
       count(*) filter (where score < 0 or score > 10) = 0 as passed
from anime_master
