-- Star schema tables, created unqualified in the run's staging schema (search_path points there).
-- Foreign keys are added after the load (sql/star/references.sql) and anime_list's primary key
-- after its bulk load (sql/star/anime_list_keys.sql): checking or indexing once, set-based, is
-- several times faster than doing it row by row.

create table anime_watching_status (
  status smallint primary key,
  description text not null
);
comment on table anime_watching_status is 'Dimension: what a watching_status code on a user''s list means (from watching_status.csv).';
comment on column anime_watching_status.status is 'Status code (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to watch; there is no 5).';
comment on column anime_watching_status.description is 'Status name as published.';

create table anime_master (
  mal_id integer primary key,
  name text not null,
  score numeric(4, 2) check (score between 0 and 10),
  genres text
);
-- The highest-scored anime (sql/queries/highest_rated_anime.sql) read in index order: the top ten
-- take a few index entries instead of a sort of all 17,562 anime (about 30 ms against under 1 ms).
create index anime_master_by_score on anime_master (score desc, mal_id) where score is not null;
comment on table anime_master is 'Dimension: one row per anime (from anime.csv).';
comment on column anime_master.mal_id is 'MyAnimeList anime id.';
comment on column anime_master.name is 'Title as published (not unique: a few titles repeat).';
comment on column anime_master.score is 'Mean user score 0..10; null when MyAnimeList shows Unknown (never 0).';
comment on column anime_master.genres is 'Genre list as published, comma-separated; split into anime_genre.';

create table anime_meta (
  mal_id integer primary key,
  english_name text,
  japanese_name text,
  type text,
  episodes integer check (episodes >= 0),
  aired text,
  premiered text,
  producers text,
  licensors text,
  studios text,
  source text,
  duration text,
  audience_age_rating text,
  ranked integer,
  popularity integer,
  members integer check (members >= 0),
  favorites integer check (favorites >= 0),
  watching integer check (watching >= 0),
  completed integer check (completed >= 0),
  on_hold integer check (on_hold >= 0),
  dropped integer check (dropped >= 0),
  plan_to_watch integer check (plan_to_watch >= 0)
);
comment on table anime_meta is 'Dimension: every other descriptive column of anime.csv, one row per anime. Unknown becomes null.';
comment on column anime_meta.mal_id is 'MyAnimeList anime id.';
comment on column anime_meta.english_name is 'English title (source column "English name").';
comment on column anime_meta.japanese_name is 'Japanese title (source column "Japanese name").';
comment on column anime_meta.type is 'TV, Movie, OVA, Special, ONA or Music.';
comment on column anime_meta.episodes is 'Number of episodes; null when unknown (airing).';
comment on column anime_meta.aired is 'Airing dates as published, e.g. "Apr 3, 1998 to Apr 24, 1999".';
comment on column anime_meta.premiered is 'Season of premiere, e.g. "Spring 1998".';
comment on column anime_meta.producers is 'Producers, comma-separated.';
comment on column anime_meta.licensors is 'Licensors, comma-separated.';
comment on column anime_meta.studios is 'Studios, comma-separated.';
comment on column anime_meta.source is 'Source material: Manga, Original, Light novel, ...';
comment on column anime_meta.duration is 'Duration as published, e.g. "24 min. per ep.".';
comment on column anime_meta.audience_age_rating is 'Audience age rating (source column "Rating"), e.g. "PG-13 - Teens 13 or older".';
comment on column anime_meta.ranked is 'Rank by score; null when unranked.';
comment on column anime_meta.popularity is 'Rank by members.';
comment on column anime_meta.members is 'Users with the anime on their list.';
comment on column anime_meta.favorites is 'Users with the anime among their favorites.';
comment on column anime_meta.watching is 'Users currently watching.';
comment on column anime_meta.completed is 'Users who completed it.';
comment on column anime_meta.on_hold is 'Users with it on hold (source column "On-Hold").';
comment on column anime_meta.dropped is 'Users who dropped it.';
comment on column anime_meta.plan_to_watch is 'Users planning to watch it (source column "Plan to Watch").';
-- No planner statistics of the descriptive text: no query filters, joins or groups on it, and
-- sql/star/analyze.sql spent about 0.15 s of backend CPU on them per run (docs/performance.md,
-- "The full refresh's fixed costs"); the plans of sql/queries, the dashboard and the export are the
-- same without them. type and the numbers keep theirs, for analysts' own filters.
alter table anime_meta alter column english_name set statistics 0,
  alter column japanese_name set statistics 0, alter column aired set statistics 0,
  alter column premiered set statistics 0, alter column producers set statistics 0,
  alter column licensors set statistics 0, alter column studios set statistics 0,
  alter column source set statistics 0, alter column duration set statistics 0,
  alter column audience_age_rating set statistics 0;

create table anime_score_details (
  mal_id integer primary key,
  score_10 integer check (score_10 >= 0),
  score_9 integer check (score_9 >= 0),
  score_8 integer check (score_8 >= 0),
  score_7 integer check (score_7 >= 0),
  score_6 integer check (score_6 >= 0),
  score_5 integer check (score_5 >= 0),
  score_4 integer check (score_4 >= 0),
  score_3 integer check (score_3 >= 0),
  score_2 integer check (score_2 >= 0),
  score_1 integer check (score_1 >= 0)
);
comment on table anime_score_details is 'Dimension: how many users gave each score (source columns Score-10..Score-1, written as floats).';
comment on column anime_score_details.mal_id is 'MyAnimeList anime id.';
comment on column anime_score_details.score_10 is 'Users who scored 10; null when unknown.';
comment on column anime_score_details.score_9 is 'Users who scored 9; null when unknown.';
comment on column anime_score_details.score_8 is 'Users who scored 8; null when unknown.';
comment on column anime_score_details.score_7 is 'Users who scored 7; null when unknown.';
comment on column anime_score_details.score_6 is 'Users who scored 6; null when unknown.';
comment on column anime_score_details.score_5 is 'Users who scored 5; null when unknown.';
comment on column anime_score_details.score_4 is 'Users who scored 4; null when unknown.';
comment on column anime_score_details.score_3 is 'Users who scored 3; null when unknown.';
comment on column anime_score_details.score_2 is 'Users who scored 2; null when unknown.';
comment on column anime_score_details.score_1 is 'Users who scored 1; null when unknown.';

create table anime_genre (
  mal_id integer not null,
  genre text not null,
  primary key (mal_id, genre)
);
comment on table anime_genre is 'Bridge: one row per anime and genre, split from the list and trimmed.';
comment on column anime_genre.mal_id is 'MyAnimeList anime id.';
comment on column anime_genre.genre is 'Genre name, trimmed (about 43 distinct).';

create table anime_synopsis (
  mal_id integer primary key,
  synopsis text
);
comment on table anime_synopsis is 'Dimension: plot synopsis per anime (from anime_with_synopsis.csv, column "sypnopsis").';
comment on column anime_synopsis.mal_id is 'MyAnimeList anime id.';
comment on column anime_synopsis.synopsis is 'Synopsis text as published (some start mid-word in the source); null when empty.';
-- Nor of the synopses themselves (see anime_meta above).
alter table anime_synopsis alter column synopsis set statistics 0;

-- fillfactor 95: each page keeps about 7 rows' room, so a delta's update of a pair writes its new
-- version on the same page without an index entry (HOT; sql/deltas/update_delta_pairs.sql), for 5%
-- more pages (docs/daily_deltas.md, "The merge").
create table anime_list (
  user_id integer not null,
  anime_id integer not null,
  rating smallint not null check (rating between 0 and 10),
  watching_status smallint not null,
  watched_episodes integer not null check (watched_episodes >= 0),
  source_id smallint not null,
  source_line integer not null
) with (fillfactor = 95);
-- Planner statistics from a 6,000-row sample (target 20) instead of the default 30,000 (100): the
-- sample follows the largest target of the table's columns, so every column has it. The publish's
-- ANALYZE of anime_list (sql/star/analyze.sql) took 0.43-0.97 s at 100 and 0.07-0.13 s at 20, at 8M
-- and 32M rows alike, and every plan that reads anime_list stayed the same (docs/performance.md,
-- "Round 27"): user_id's estimates stay at about 60 rows per user, so a user's list is a range of
-- the primary key, and the merge of a delta is an index nested loop either way. Not 10: at 8M rows
-- the checks' GROUP BY (sql/quality_scan/fact_groups.sql, as `deno task quality` runs it on the
-- published table) switches from a hashed to a sorted finalize below about 14,700 estimated groups,
-- and target 10 gave 15,155-16,675 (anime_id n_distinct 3,031-3,335); target 20 gave 22,680-23,525.
alter table anime_list alter column user_id set statistics 20,
  alter column anime_id set statistics 20, alter column rating set statistics 20,
  alter column watching_status set statistics 20, alter column watched_episodes set statistics 20,
  alter column source_id set statistics 20, alter column source_line set statistics 20;
comment on table anime_list is 'Fact: one row per anime on a user''s list (from animelist.csv).';
comment on column anime_list.user_id is 'Anonymised MyAnimeList user id.';
comment on column anime_list.anime_id is 'MyAnimeList anime id (references anime_master).';
comment on column anime_list.rating is 'User''s score 1..10, or 0 when the user has not rated it.';
comment on column anime_list.watching_status is 'Status code (references anime_watching_status); required: a row whose status is empty or Unknown is quarantined as missing_value.';
comment on column anime_list.watched_episodes is 'Episodes the user has watched.';
comment on column anime_list.source_id is 'The source object that last set this row (references anime_list_source): 1 is the snapshot animelist.csv, 2, 3, ... the daily deltas in key order.';
comment on column anime_list.source_line is '1-based line of that object that set the row.';

create table anime_list_source (
  source_id integer primary key,
  object_key text not null unique,
  etag text not null,
  as_of date
);
comment on table anime_list_source is 'Dimension: the objects the published list was built from, in the order they were applied: the snapshot, then every daily delta (animelist_updates/) in key order.';
comment on column anime_list_source.source_id is '1 for the snapshot animelist.csv, then 2, 3, ... for the deltas in ascending byte order of their keys; a full refresh numbers them the same.';
comment on column anime_list_source.object_key is 'S3 key of the object.';
comment on column anime_list_source.etag is 'ETag of the object as applied.';
comment on column anime_list_source.as_of is 'Date named in the key (YYYY-MM-DD), null when the key names none: split training and test data by it.';

-- Aggregates of anime_list, built from the client's counts at the end of every full refresh
-- (sql/star/aggregates_from_counts.sql) and kept by every delta from its own rows
-- (sql/deltas/update_aggregates.sql); quality check aggregates_match_facts proves them equal to a
-- GROUP BY of the fact table. A pair of keys with no list entry has no row. Their keys and the
-- ranking index are built once their rows are in (sql/star/aggregate_keys.sql).
create table anime_status_stats (
  anime_id integer not null,
  watching_status smallint not null,
  entries bigint not null check (entries > 0),
  rated_entries bigint not null check (rated_entries between 0 and entries),
  rating_sum bigint not null check (rating_sum >= 0),
  watched_episodes_sum bigint not null check (watched_episodes_sum >= 0)
);
comment on table anime_status_stats is 'Aggregate: anime_list per anime and watching status (list entries, ratings, episodes); no row where an anime has no entry in a status.';
comment on column anime_status_stats.anime_id is 'MyAnimeList anime id (references anime_master).';
comment on column anime_status_stats.watching_status is 'Status code (references anime_watching_status).';
comment on column anime_status_stats.entries is 'List entries of the anime in this status: users whose list has it in this status.';
comment on column anime_status_stats.rated_entries is 'Of those, entries with a rating (rating > 0).';
comment on column anime_status_stats.rating_sum is 'Sum of their ratings (unrated entries add 0).';
comment on column anime_status_stats.watched_episodes_sum is 'Sum of their watched episodes.';

create table anime_stats (
  anime_id integer not null,
  list_entries bigint not null check (list_entries > 0),
  rated_entries bigint not null check (rated_entries between 0 and list_entries),
  rating_sum bigint not null check (rating_sum >= 0),
  mean_rating numeric generated always as (rating_sum::numeric / nullif(rated_entries, 0)::numeric) stored,
  watched_episodes_sum bigint not null check (watched_episodes_sum >= 0)
);
comment on table anime_stats is 'Aggregate: anime_list per anime (list entries, ratings, episodes), the sum of its anime_status_stats rows; no row for an anime on no list.';
comment on column anime_stats.anime_id is 'MyAnimeList anime id (references anime_master).';
comment on column anime_stats.list_entries is 'List entries of the anime, in any status: users who listed it.';
comment on column anime_stats.rated_entries is 'Entries with a rating (rating > 0).';
comment on column anime_stats.rating_sum is 'Sum of their ratings (unrated entries add 0).';
comment on column anime_stats.mean_rating is 'Mean rating of the rated entries, unrounded (equals avg(rating) over rating > 0); null when none is rated.';
comment on column anime_stats.watched_episodes_sum is 'Sum of watched episodes over all entries.';

create table genre_stats (
  genre text primary key,
  anime_listed bigint not null check (anime_listed > 0),
  list_entries bigint not null check (list_entries >= anime_listed),
  watching_entries bigint not null check (watching_entries between 0 and list_entries),
  anime_rated bigint not null check (anime_rated between 0 and anime_listed),
  rated_entries bigint not null check (rated_entries between anime_rated and list_entries),
  rating_sum bigint not null check (rating_sum >= 0)
);
comment on table genre_stats is 'Aggregate: anime_stats per genre of anime_genre (an anime counts in each of its genres); rebuilt from anime_stats whenever the aggregates change, never from the list.';
comment on column genre_stats.genre is 'Genre name, as in anime_genre.';
comment on column genre_stats.anime_listed is 'Anime of the genre on at least one list.';
comment on column genre_stats.list_entries is 'List entries of those anime, in any status.';
comment on column genre_stats.watching_entries is 'Of those, entries in status 1 (watching now).';
comment on column genre_stats.anime_rated is 'Anime of the genre with at least one rating.';
comment on column genre_stats.rated_entries is 'Rated entries (rating > 0) of the genre''s anime.';
comment on column genre_stats.rating_sum is 'Sum of those ratings.';

-- The dimensions' and aggregates' planner statistics from a sample of 6,000 rows (target 20), as
-- anime_list's, instead of all their rows (17,562 anime and 87,500 (anime, status) keys at the
-- default 100): the publish's ANALYZE of these tables (sql/star/analyze.sql) took 0.45 s at 100 and
-- 0.17-0.19 s at 20, and every plan of sql/queries, sql/dashboard, sql/serve and the export's
-- anime_features stayed the same at 20 and at 10 (docs/performance.md, "Round 29"). The tiny
-- tables (anime_watching_status, anime_list_source, genre_stats) keep the default: all their rows
-- are the sample either way.
alter table anime_master alter column mal_id set statistics 20, alter column name set statistics 20,
  alter column score set statistics 20, alter column genres set statistics 20;
alter table anime_meta alter column mal_id set statistics 20, alter column type set statistics 20,
  alter column episodes set statistics 20, alter column ranked set statistics 20,
  alter column popularity set statistics 20, alter column members set statistics 20,
  alter column favorites set statistics 20, alter column watching set statistics 20,
  alter column completed set statistics 20, alter column on_hold set statistics 20,
  alter column dropped set statistics 20, alter column plan_to_watch set statistics 20;
alter table anime_score_details alter column mal_id set statistics 20,
  alter column score_10 set statistics 20, alter column score_9 set statistics 20,
  alter column score_8 set statistics 20, alter column score_7 set statistics 20,
  alter column score_6 set statistics 20, alter column score_5 set statistics 20,
  alter column score_4 set statistics 20, alter column score_3 set statistics 20,
  alter column score_2 set statistics 20, alter column score_1 set statistics 20;
alter table anime_genre alter column mal_id set statistics 20, alter column genre set statistics 20;
alter table anime_synopsis alter column mal_id set statistics 20;
alter table anime_status_stats alter column anime_id set statistics 20,
  alter column watching_status set statistics 20, alter column entries set statistics 20,
  alter column rated_entries set statistics 20, alter column rating_sum set statistics 20,
  alter column watched_episodes_sum set statistics 20;
alter table anime_stats alter column anime_id set statistics 20,
  alter column list_entries set statistics 20, alter column rated_entries set statistics 20,
  alter column rating_sum set statistics 20, alter column mean_rating set statistics 20,
  alter column watched_episodes_sum set statistics 20;
