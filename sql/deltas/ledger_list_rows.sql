-- anime_list rows after source $1 (the last applied), as the last published run that applied it
-- recorded them: an incremental run starts from this count and never counts the table.
select f.list_rows::float8 as list_rows
from etl.run_files f
join etl.runs r using (run_id)
where r.status = 'succeeded' and f.source_id = $1 and f.list_rows is not null
order by f.run_id desc
limit 1
