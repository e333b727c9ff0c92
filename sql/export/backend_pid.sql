-- The session's backend, as BackendKeyData named it when the session started: the export's
-- CopyOutTap reads the COPY that follows off that session's socket.
select pg_backend_pid() as pid
