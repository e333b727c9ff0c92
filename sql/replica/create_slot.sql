-- A physical slot $1 for the standby, reserving WAL at once (immediately_reserve): the WAL written
-- from the base backup on stays on the primary until the standby has received it.
select pg_create_physical_replication_slot($1, true)
where not exists (select from pg_replication_slots where slot_name = $1)
