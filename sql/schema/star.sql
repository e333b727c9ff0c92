-- Pinned by tests/schema_dump_test.ts; regenerate: UPDATE_SCHEMA_DUMPS=1 deno test --allow-all tests/schema_dump_test.ts
create table public.anime_genre (
  mal_id integer not null,
  genre text not null
);
alter table public.anime_genre add constraint anime_genre_mal_id_fkey FOREIGN KEY (mal_id) REFERENCES public.anime_master(mal_id);
alter table public.anime_genre add constraint anime_genre_pkey PRIMARY KEY (mal_id, genre);
comment on table public.anime_genre is 'Bridge: one row per anime and genre, split from the list and trimmed.';
comment on column public.anime_genre.mal_id is 'MyAnimeList anime id.';
comment on column public.anime_genre.genre is 'Genre name, trimmed (about 43 distinct).';
create table public.anime_list (
  user_id integer not null,
  anime_id integer not null,
  rating smallint not null,
  watching_status smallint not null,
  watched_episodes integer not null,
  source_id smallint not null,
  source_line integer not null
);
alter table public.anime_list add constraint anime_list_anime_id_fkey FOREIGN KEY (anime_id) REFERENCES public.anime_master(mal_id) NOT VALID;
alter table public.anime_list add constraint anime_list_pkey PRIMARY KEY (user_id, anime_id);
alter table public.anime_list add constraint anime_list_rating_check CHECK (((rating >= 0) AND (rating <= 10)));
alter table public.anime_list add constraint anime_list_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.anime_list_source(source_id) NOT VALID;
alter table public.anime_list add constraint anime_list_watched_episodes_check CHECK ((watched_episodes >= 0));
alter table public.anime_list add constraint anime_list_watching_status_fkey FOREIGN KEY (watching_status) REFERENCES public.anime_watching_status(status) NOT VALID;
comment on table public.anime_list is 'Fact: one row per anime on a user''s list (from animelist.csv).';
comment on column public.anime_list.user_id is 'Anonymised MyAnimeList user id.';
comment on column public.anime_list.anime_id is 'MyAnimeList anime id (references anime_master).';
comment on column public.anime_list.rating is 'User''s score 1..10, or 0 when the user has not rated it.';
comment on column public.anime_list.watching_status is 'Status code (references anime_watching_status); required: a row whose status is empty or Unknown is quarantined as missing_value.';
comment on column public.anime_list.watched_episodes is 'Episodes the user has watched.';
comment on column public.anime_list.source_id is 'The source object that last set this row (references anime_list_source): 1 is the snapshot animelist.csv, 2, 3, ... the daily deltas in key order.';
comment on column public.anime_list.source_line is '1-based line of that object that set the row.';
create table public.anime_list_source (
  source_id integer not null,
  object_key text not null,
  etag text not null,
  as_of date
);
alter table public.anime_list_source add constraint anime_list_source_object_key_key UNIQUE (object_key);
alter table public.anime_list_source add constraint anime_list_source_pkey PRIMARY KEY (source_id);
comment on table public.anime_list_source is 'Dimension: the objects the published list was built from, in the order they were applied: the snapshot, then every daily delta (animelist_updates/) in key order.';
comment on column public.anime_list_source.source_id is '1 for the snapshot animelist.csv, then 2, 3, ... for the deltas in ascending byte order of their keys; a full refresh numbers them the same.';
comment on column public.anime_list_source.object_key is 'S3 key of the object.';
comment on column public.anime_list_source.etag is 'ETag of the object as applied.';
comment on column public.anime_list_source.as_of is 'Date named in the key (YYYY-MM-DD), null when the key names none: split training and test data by it.';
create table public.anime_master (
  mal_id integer not null,
  name text not null,
  score numeric(4,2),
  genres text
);
alter table public.anime_master add constraint anime_master_pkey PRIMARY KEY (mal_id);
alter table public.anime_master add constraint anime_master_score_check CHECK (((score >= (0)::numeric) AND (score <= (10)::numeric)));
CREATE INDEX anime_master_by_score ON public.anime_master USING btree (score DESC, mal_id) WHERE (score IS NOT NULL);
comment on table public.anime_master is 'Dimension: one row per anime (from anime.csv).';
comment on column public.anime_master.mal_id is 'MyAnimeList anime id.';
comment on column public.anime_master.name is 'Title as published (not unique: a few titles repeat).';
comment on column public.anime_master.score is 'Mean user score 0..10; null when MyAnimeList shows Unknown (never 0).';
comment on column public.anime_master.genres is 'Genre list as published, comma-separated; split into anime_genre.';
create table public.anime_meta (
  mal_id integer not null,
  english_name text,
  japanese_name text,
  type text,
  episodes integer,
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
  members integer,
  favorites integer,
  watching integer,
  completed integer,
  on_hold integer,
  dropped integer,
  plan_to_watch integer
);
alter table public.anime_meta add constraint anime_meta_completed_check CHECK ((completed >= 0));
alter table public.anime_meta add constraint anime_meta_dropped_check CHECK ((dropped >= 0));
alter table public.anime_meta add constraint anime_meta_episodes_check CHECK ((episodes >= 0));
alter table public.anime_meta add constraint anime_meta_favorites_check CHECK ((favorites >= 0));
alter table public.anime_meta add constraint anime_meta_mal_id_fkey FOREIGN KEY (mal_id) REFERENCES public.anime_master(mal_id);
alter table public.anime_meta add constraint anime_meta_members_check CHECK ((members >= 0));
alter table public.anime_meta add constraint anime_meta_on_hold_check CHECK ((on_hold >= 0));
alter table public.anime_meta add constraint anime_meta_pkey PRIMARY KEY (mal_id);
alter table public.anime_meta add constraint anime_meta_plan_to_watch_check CHECK ((plan_to_watch >= 0));
alter table public.anime_meta add constraint anime_meta_watching_check CHECK ((watching >= 0));
comment on table public.anime_meta is 'Dimension: every other descriptive column of anime.csv, one row per anime. Unknown becomes null.';
comment on column public.anime_meta.mal_id is 'MyAnimeList anime id.';
comment on column public.anime_meta.english_name is 'English title (source column "English name").';
comment on column public.anime_meta.japanese_name is 'Japanese title (source column "Japanese name").';
comment on column public.anime_meta.type is 'TV, Movie, OVA, Special, ONA or Music.';
comment on column public.anime_meta.episodes is 'Number of episodes; null when unknown (airing).';
comment on column public.anime_meta.aired is 'Airing dates as published, e.g. "Apr 3, 1998 to Apr 24, 1999".';
comment on column public.anime_meta.premiered is 'Season of premiere, e.g. "Spring 1998".';
comment on column public.anime_meta.producers is 'Producers, comma-separated.';
comment on column public.anime_meta.licensors is 'Licensors, comma-separated.';
comment on column public.anime_meta.studios is 'Studios, comma-separated.';
comment on column public.anime_meta.source is 'Source material: Manga, Original, Light novel, ...';
comment on column public.anime_meta.duration is 'Duration as published, e.g. "24 min. per ep.".';
comment on column public.anime_meta.audience_age_rating is 'Audience age rating (source column "Rating"), e.g. "PG-13 - Teens 13 or older".';
comment on column public.anime_meta.ranked is 'Rank by score; null when unranked.';
comment on column public.anime_meta.popularity is 'Rank by members.';
comment on column public.anime_meta.members is 'Users with the anime on their list.';
comment on column public.anime_meta.favorites is 'Users with the anime among their favorites.';
comment on column public.anime_meta.watching is 'Users currently watching.';
comment on column public.anime_meta.completed is 'Users who completed it.';
comment on column public.anime_meta.on_hold is 'Users with it on hold (source column "On-Hold").';
comment on column public.anime_meta.dropped is 'Users who dropped it.';
comment on column public.anime_meta.plan_to_watch is 'Users planning to watch it (source column "Plan to Watch").';
create table public.anime_score_details (
  mal_id integer not null,
  score_10 integer,
  score_9 integer,
  score_8 integer,
  score_7 integer,
  score_6 integer,
  score_5 integer,
  score_4 integer,
  score_3 integer,
  score_2 integer,
  score_1 integer
);
alter table public.anime_score_details add constraint anime_score_details_mal_id_fkey FOREIGN KEY (mal_id) REFERENCES public.anime_master(mal_id);
alter table public.anime_score_details add constraint anime_score_details_pkey PRIMARY KEY (mal_id);
alter table public.anime_score_details add constraint anime_score_details_score_10_check CHECK ((score_10 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_1_check CHECK ((score_1 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_2_check CHECK ((score_2 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_3_check CHECK ((score_3 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_4_check CHECK ((score_4 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_5_check CHECK ((score_5 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_6_check CHECK ((score_6 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_7_check CHECK ((score_7 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_8_check CHECK ((score_8 >= 0));
alter table public.anime_score_details add constraint anime_score_details_score_9_check CHECK ((score_9 >= 0));
comment on table public.anime_score_details is 'Dimension: how many users gave each score (source columns Score-10..Score-1, written as floats).';
comment on column public.anime_score_details.mal_id is 'MyAnimeList anime id.';
comment on column public.anime_score_details.score_10 is 'Users who scored 10; null when unknown.';
comment on column public.anime_score_details.score_9 is 'Users who scored 9; null when unknown.';
comment on column public.anime_score_details.score_8 is 'Users who scored 8; null when unknown.';
comment on column public.anime_score_details.score_7 is 'Users who scored 7; null when unknown.';
comment on column public.anime_score_details.score_6 is 'Users who scored 6; null when unknown.';
comment on column public.anime_score_details.score_5 is 'Users who scored 5; null when unknown.';
comment on column public.anime_score_details.score_4 is 'Users who scored 4; null when unknown.';
comment on column public.anime_score_details.score_3 is 'Users who scored 3; null when unknown.';
comment on column public.anime_score_details.score_2 is 'Users who scored 2; null when unknown.';
comment on column public.anime_score_details.score_1 is 'Users who scored 1; null when unknown.';
create table public.anime_stats (
  anime_id integer not null,
  list_entries bigint not null,
  rated_entries bigint not null,
  rating_sum bigint not null,
  mean_rating numeric generated always as (((rating_sum)::numeric / (NULLIF(rated_entries, 0))::numeric)) stored,
  watched_episodes_sum bigint not null
);
alter table public.anime_stats add constraint anime_stats_anime_id_fkey FOREIGN KEY (anime_id) REFERENCES public.anime_master(mal_id);
alter table public.anime_stats add constraint anime_stats_check CHECK (((rated_entries >= 0) AND (rated_entries <= list_entries)));
alter table public.anime_stats add constraint anime_stats_list_entries_check CHECK ((list_entries > 0));
alter table public.anime_stats add constraint anime_stats_pkey PRIMARY KEY (anime_id);
alter table public.anime_stats add constraint anime_stats_rating_sum_check CHECK ((rating_sum >= 0));
alter table public.anime_stats add constraint anime_stats_watched_episodes_sum_check CHECK ((watched_episodes_sum >= 0));
comment on table public.anime_stats is 'Aggregate: anime_list per anime (list entries, ratings, episodes), the sum of its anime_status_stats rows; no row for an anime on no list.';
comment on column public.anime_stats.anime_id is 'MyAnimeList anime id (references anime_master).';
comment on column public.anime_stats.list_entries is 'List entries of the anime, in any status: users who listed it.';
comment on column public.anime_stats.rated_entries is 'Entries with a rating (rating > 0).';
comment on column public.anime_stats.rating_sum is 'Sum of their ratings (unrated entries add 0).';
comment on column public.anime_stats.mean_rating is 'Mean rating of the rated entries, unrounded (equals avg(rating) over rating > 0); null when none is rated.';
comment on column public.anime_stats.watched_episodes_sum is 'Sum of watched episodes over all entries.';
create table public.anime_status_stats (
  anime_id integer not null,
  watching_status smallint not null,
  entries bigint not null,
  rated_entries bigint not null,
  rating_sum bigint not null,
  watched_episodes_sum bigint not null
);
alter table public.anime_status_stats add constraint anime_status_stats_anime_id_fkey FOREIGN KEY (anime_id) REFERENCES public.anime_master(mal_id);
alter table public.anime_status_stats add constraint anime_status_stats_check CHECK (((rated_entries >= 0) AND (rated_entries <= entries)));
alter table public.anime_status_stats add constraint anime_status_stats_entries_check CHECK ((entries > 0));
alter table public.anime_status_stats add constraint anime_status_stats_pkey PRIMARY KEY (anime_id, watching_status);
alter table public.anime_status_stats add constraint anime_status_stats_rating_sum_check CHECK ((rating_sum >= 0));
alter table public.anime_status_stats add constraint anime_status_stats_watched_episodes_sum_check CHECK ((watched_episodes_sum >= 0));
alter table public.anime_status_stats add constraint anime_status_stats_watching_status_fkey FOREIGN KEY (watching_status) REFERENCES public.anime_watching_status(status);
CREATE INDEX anime_status_stats_ranking ON public.anime_status_stats USING btree (watching_status, entries DESC, anime_id);
comment on table public.anime_status_stats is 'Aggregate: anime_list per anime and watching status (list entries, ratings, episodes); no row where an anime has no entry in a status.';
comment on column public.anime_status_stats.anime_id is 'MyAnimeList anime id (references anime_master).';
comment on column public.anime_status_stats.watching_status is 'Status code (references anime_watching_status).';
comment on column public.anime_status_stats.entries is 'List entries of the anime in this status: users whose list has it in this status.';
comment on column public.anime_status_stats.rated_entries is 'Of those, entries with a rating (rating > 0).';
comment on column public.anime_status_stats.rating_sum is 'Sum of their ratings (unrated entries add 0).';
comment on column public.anime_status_stats.watched_episodes_sum is 'Sum of their watched episodes.';
create table public.anime_synopsis (
  mal_id integer not null,
  synopsis text
);
alter table public.anime_synopsis add constraint anime_synopsis_mal_id_fkey FOREIGN KEY (mal_id) REFERENCES public.anime_master(mal_id);
alter table public.anime_synopsis add constraint anime_synopsis_pkey PRIMARY KEY (mal_id);
comment on table public.anime_synopsis is 'Dimension: plot synopsis per anime (from anime_with_synopsis.csv, column "sypnopsis").';
comment on column public.anime_synopsis.mal_id is 'MyAnimeList anime id.';
comment on column public.anime_synopsis.synopsis is 'Synopsis text as published (some start mid-word in the source); null when empty.';
create table public.anime_watching_status (
  status smallint not null,
  description text not null
);
alter table public.anime_watching_status add constraint anime_watching_status_pkey PRIMARY KEY (status);
comment on table public.anime_watching_status is 'Dimension: what a watching_status code on a user''s list means (from watching_status.csv).';
comment on column public.anime_watching_status.status is 'Status code (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to watch; there is no 5).';
comment on column public.anime_watching_status.description is 'Status name as published.';
create table public.genre_stats (
  genre text not null,
  anime_listed bigint not null,
  list_entries bigint not null,
  watching_entries bigint not null,
  anime_rated bigint not null,
  rated_entries bigint not null,
  rating_sum bigint not null
);
alter table public.genre_stats add constraint genre_stats_anime_listed_check CHECK ((anime_listed > 0));
alter table public.genre_stats add constraint genre_stats_check CHECK ((list_entries >= anime_listed));
alter table public.genre_stats add constraint genre_stats_check1 CHECK (((watching_entries >= 0) AND (watching_entries <= list_entries)));
alter table public.genre_stats add constraint genre_stats_check2 CHECK (((anime_rated >= 0) AND (anime_rated <= anime_listed)));
alter table public.genre_stats add constraint genre_stats_check3 CHECK (((rated_entries >= anime_rated) AND (rated_entries <= list_entries)));
alter table public.genre_stats add constraint genre_stats_pkey PRIMARY KEY (genre);
alter table public.genre_stats add constraint genre_stats_rating_sum_check CHECK ((rating_sum >= 0));
comment on table public.genre_stats is 'Aggregate: anime_stats per genre of anime_genre (an anime counts in each of its genres); rebuilt from anime_stats whenever the aggregates change, never from the list.';
comment on column public.genre_stats.genre is 'Genre name, as in anime_genre.';
comment on column public.genre_stats.anime_listed is 'Anime of the genre on at least one list.';
comment on column public.genre_stats.list_entries is 'List entries of those anime, in any status.';
comment on column public.genre_stats.watching_entries is 'Of those, entries in status 1 (watching now).';
comment on column public.genre_stats.anime_rated is 'Anime of the genre with at least one rating.';
comment on column public.genre_stats.rated_entries is 'Rated entries (rating > 0) of the genre''s anime.';
comment on column public.genre_stats.rating_sum is 'Sum of those ratings.';
