-- Per-score vote counts are never negative.
-- blocking: true
select count(*) || ' rows with a negative count' as observed,
       '0 rows with a negative count' as expected,
       count(*) = 0 as passed
from anime_score_details
where least(score_10, score_9, score_8, score_7, score_6, score_5, score_4, score_3, score_2, score_1) < 0
