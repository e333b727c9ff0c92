-- Rows of the published tables an export holds, for deno task export --verify.
select (select count(*) from public.anime_list)::float8 as interactions,
       (select count(*) from public.anime_master)::float8 as anime
