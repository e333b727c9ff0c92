-- Missing scores were kept as null, not turned into 0 as the capstone did.
-- blocking: false
select count(*) filter (where score = 0) || ' anime scored exactly 0, '
         || count(*) filter (where score is null) || ' without a score' as observed,
       'no anime scored exactly 0' as expected,
       count(*) filter (where score = 0) = 0 as passed
from anime_master
