-- Puts the per-row triggers back on after the merge's INSERT (sql/deltas/skip_row_triggers.sql).
set local session_replication_role = origin
