-- Ends the session $1 (PUBLISH_TERMINATE_AFTER_SECONDS): its transaction rolls back, its locks go.
-- Needs superuser, the session's role or pg_signal_backend; refused otherwise.
select pg_terminate_backend($1) as terminated
