-- The foreign keys of the rows a delta put on anime_list (delta_events, kind 0; set by source $1),
-- checked as one set in place of the per-row triggers: each distinct anime, status and the source
-- must exist, and each referenced row is locked FOR KEY SHARE, as the triggers lock it, so that no
-- concurrent transaction can delete it before this one commits. Returns what is missing.
with wanted_anime as (
  select distinct anime_id from delta_events where kind = 0
), wanted_status as (
  select distinct watching_status from delta_events where kind = 0
), anime as (
  select m.mal_id from anime_master as m join wanted_anime as w on w.anime_id = m.mal_id
  for key share of m
), status as (
  select s.status from anime_watching_status as s
  join wanted_status as w on w.watching_status = s.status
  for key share of s
), source as (
  select source_id from anime_list_source where source_id = $1 for key share
)
select
  array(select anime_id from wanted_anime except select mal_id from anime
        order by 1 limit 5) as missing_anime,
  array(select watching_status from wanted_status except select status from status
        order by 1 limit 5) as missing_status,
  not exists (select from source) and exists (select from wanted_anime) as missing_source
