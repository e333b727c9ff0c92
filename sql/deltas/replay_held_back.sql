-- The held-back lines of the pairs the deltas touch ($1 user ids, $2 anime ids): a touched pair
-- keeps only its final event's line, when that refers to an anime or status the dimensions do not
-- define (written afterwards, as day by day leaves it).
delete from etl.held_back_list_rows as h
using unnest($1::integer[], $2::integer[]) as t (user_id, anime_id)
where h.user_id = t.user_id and h.anime_id = t.anime_id
