-- Takes the swap's ACCESS EXCLUSIVE locks before it starts, in one fixed order (by name): the
-- published table of each staged one (a staged table is the run's own, so nobody else holds it).
-- The transaction's lock_timeout is the budget of all of them together, not of each one, so readers
-- never queue behind the swap for longer than one attempt (lib/db/with_short_locks.ts). The tables
-- are those of etl_stage: a new star table needs no change here.
do $$
declare
  original text := current_setting('lock_timeout');
  budget interval := original::interval;
  deadline timestamptz;
  star text;
begin
  if budget > interval '0' then
    deadline := clock_timestamp() + budget;
  end if;
  for star in select tablename from pg_tables where schemaname = 'etl_stage' order by tablename loop
    continue when to_regclass(format('public.%I', star)) is null;
    if deadline is not null then
      perform set_config('lock_timeout', greatest(1, ceil(
        extract(epoch from deadline - clock_timestamp()) * 1000))::int || 'ms', true);
    end if;
    execute format('lock table public.%I in access exclusive mode', star);
  end loop;
  perform set_config('lock_timeout', original, true);
end
$$
