-- User ratings lie within 0..10, where 0 means "not rated".
-- blocking: true
select count(*) filter (where rating < 0 or rating > 10) || ' out of range, '
         || count(*) filter (where rating = 0) || ' not rated' as observed,
       '0 out of range' as expected,
       count(*) filter (where rating < 0 or rating > 10) = 0 as passed
from anime_list
