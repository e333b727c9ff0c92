-- One user's list: every anime on the list of user $1, with its name, the user's rating (0: not
-- rated), watching status and episodes watched. Served by anime_list's primary key (user_id,
-- anime_id): a range of the index, whatever the size of the fact table.
select l.anime_id as mal_id,
       m.name,
       l.rating::int as rating,
       l.watching_status::int as watching_status,
       s.description as status,
       l.watched_episodes
from anime_list l
join anime_master m on m.mal_id = l.anime_id
left join anime_watching_status s on s.status = l.watching_status
where l.user_id = $1
order by l.anime_id
