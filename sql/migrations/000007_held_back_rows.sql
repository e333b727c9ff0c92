-- Dimension changes without reloading the facts (issue 15): the valid animelist lines that are not
-- on the list only because of the dimension files (an anime or status they do not define, or a
-- repeat of the snapshot's first line of a pair), kept so that a run which only rebuilds the
-- dimensions can admit them once the dimensions define them, exactly as a full refresh would.
create table etl.held_back_list_rows (
  user_id integer not null,
  anime_id integer not null,
  rating smallint not null,
  watching_status smallint not null,
  watched_episodes integer not null,
  source_id integer not null,
  source_line integer not null,
  reason text not null
    check (reason in ('unknown_anime_id', 'unknown_watching_status', 'duplicate_key')),
  primary key (user_id, anime_id, source_id, source_line)
);
comment on table etl.held_back_list_rows is 'Valid list lines held back from anime_list by the dimensions: per pair, the latest source''s lines that are not on the list (all of the snapshot''s, or a delta''s final line). Replaced by each full refresh, kept up by every run.';
comment on column etl.held_back_list_rows.user_id is 'Anonymised MyAnimeList user id.';
comment on column etl.held_back_list_rows.anime_id is 'MyAnimeList anime id, as the line gave it.';
comment on column etl.held_back_list_rows.rating is 'The line''s rating.';
comment on column etl.held_back_list_rows.watching_status is 'The line''s status code.';
comment on column etl.held_back_list_rows.watched_episodes is 'The line''s episodes.';
comment on column etl.held_back_list_rows.source_id is 'anime_list_source.source_id of the object the line is in.';
comment on column etl.held_back_list_rows.source_line is '1-based line of that object.';
comment on column etl.held_back_list_rows.reason is 'Why it was held back when it was: unknown_anime_id, unknown_watching_status, or duplicate_key (a snapshot line after the pair''s first admissible one).';

alter table etl.runs add column held_back_rows bigint;
comment on column etl.runs.held_back_rows is 'Rows of etl.held_back_list_rows after the run; null when the published data does not keep them (published before they existed), which makes a dimension change a full refresh.';
