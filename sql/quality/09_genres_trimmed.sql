-- Genre names are trimmed and few: the capstone's untrimmed split reported 81 "genres" for about 43.
-- blocking: true
select count(distinct genre) || ' distinct, ' || count(*) filter (where genre <> btrim(genre))
         || ' untrimmed' as observed,
       '0 untrimmed, at most 100 distinct' as expected,
       count(*) filter (where genre <> btrim(genre)) = 0 and count(distinct genre) <= 100 as passed
from anime_genre
