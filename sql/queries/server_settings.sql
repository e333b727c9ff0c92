-- The PostgreSQL server analysts connect to: version and the settings that bound concurrency.
select name, setting, unit, short_desc as description
from pg_settings
where name in ('server_version', 'max_connections', 'shared_buffers', 'work_mem',
               'effective_cache_size', 'max_parallel_workers_per_gather')
order by name
