-- The run's private schema: tables are built here, inside the run's transaction, and moved to
-- public only at publish time. A crash rolls all of it back.
drop schema if exists etl_stage cascade;
create schema etl_stage;
set local search_path to etl_stage;
