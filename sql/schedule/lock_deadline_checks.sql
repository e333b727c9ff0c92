-- Serialises deadline checks (two schedulers, a scheduler and a monitor): the second reads etl.runs
-- only after the first has recorded its verdict. Released at the end of the transaction.
select pg_advisory_xact_lock(7411003)
