-- Planner statistics of the tables a run on dimension files alone rewrote or changed by more than a
-- delta's share: the dimensions and the aggregates. Not anime_list: the reconciliation changes the
-- rows of the changed keys only, as a delta does (an incremental run analyzes nothing), and its
-- ANALYZE reads a sample of 6,000 random rows of it (statistics target 20, sql/star/tables.sql);
-- autovacuum's analyze follows its changes as after a delta.
analyze anime_watching_status, anime_master, anime_meta, anime_score_details, anime_genre,
  anime_synopsis, anime_stats, anime_status_stats, genre_stats;
