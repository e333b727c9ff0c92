-- Cancels the statement in progress of the load transaction (a stop request); its transaction
-- then rolls back.
select pg_cancel_backend($1)
