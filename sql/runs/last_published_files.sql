-- Source objects of the last published run, to skip a run whose sources have not changed.
select f.source_file, f.source_key, f.etag
from etl.run_files f
where f.run_id = (select max(run_id) from etl.runs where status = 'succeeded')
