-- Catalog functions (pg_get_constraintdef, format_type, ...) qualify every name that is not on the
-- search_path: with only pg_catalog on it, their output does not depend on the session.
set local search_path = pg_catalog
