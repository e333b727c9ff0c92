-- The quality checks' one scan of the fact table (checks marked `-- reads: fact_groups`): a
-- parallel GROUP BY of anime_list per (anime, status), from which counts_reconcile takes the row
-- count, fact_references_resolve the rows per anime and status id, and aggregates_match_facts
-- the aggregates' independent figures. Each row is in exactly one group, so all three are exact.
-- CREATE TABLE AS, because INSERT ... SELECT never runs in parallel. Dropped at commit.
-- Not per anime with one filtered column set per status (17,561 groups instead of 87,449 at 8M
-- rows): the hash table is smaller, but twenty filtered aggregates a row cost more than it saves,
-- 8.4-8.7 s of CPU against 5.6-6.4 s (docs/performance.md, "Round 28").
drop table if exists pg_temp.fact_groups;
create temp table fact_groups on commit drop as
select anime_id, watching_status, count(*) as entries, count(*) filter (where rating > 0)
         as rated_entries, sum(rating) as rating_sum, sum(watched_episodes) as watched_episodes_sum
from anime_list
group by anime_id, watching_status;
