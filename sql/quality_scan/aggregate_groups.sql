-- A run on changed dimension files alone does not scan the fact table for its checks: its
-- fact_groups are the aggregates' rows per (anime, status), which the reconciliation changed by
-- exactly the rows it took off and put on the list (sql/dimensions/aggregate_change.sql). So
-- counts_reconcile compares the list's count as the aggregates keep it with the ledger's, and
-- fact_references_resolve the aggregates' keys with the dimensions; aggregates_match_facts, which
-- would compare the aggregates with themselves, is left to the next full refresh. Dropped at commit.
drop table if exists pg_temp.fact_groups;
create temp table fact_groups on commit drop as
select anime_id, watching_status, entries, rated_entries, rating_sum, watched_episodes_sum
from anime_status_stats;
