-- Rows run $1 quarantined, per source object and reason.
select source_key, reason, count(*)::int as rows
from etl.rejects
where run_id = $1
group by source_key, reason
order by source_key, rows desc, reason
