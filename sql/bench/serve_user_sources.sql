-- The newest source object any row of user $1's list came from (a range of the primary key): it
-- must be one the same snapshot's anime_list_source lists (bench:serve's consistency check).
select max(source_id)::int as highest from anime_list where user_id = $1
