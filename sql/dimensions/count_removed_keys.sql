select count(*) filter (where kind = 'anime')::int as anime,
       count(*) filter (where kind = 'status')::int as statuses
from removed_keys
