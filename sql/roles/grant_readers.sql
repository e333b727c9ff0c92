-- Gives the group role anime_reader SELECT on every star table that exists in public. Grants belong
-- to tables and each run replaces the tables, so the publish step runs this inside the run's
-- transaction (readers never see a table without its grant); `deno task grant-analyst` runs it
-- for the tables already published. Nothing happens until grant-analyst has created the role.
do $$
declare
  star text;
begin
  if not exists (select from pg_roles where rolname = 'anime_reader') then
    return;
  end if;
  foreach star in array array[
    'anime_watching_status', 'anime_master', 'anime_meta', 'anime_score_details', 'anime_genre',
    'anime_synopsis', 'anime_list', 'anime_list_source', 'anime_stats', 'anime_status_stats',
    'genre_stats'
  ] loop
    if to_regclass(format('public.%I', star)) is not null then
      execute format('grant select on public.%I to anime_reader', star);
    end if;
  end loop;
end
$$
