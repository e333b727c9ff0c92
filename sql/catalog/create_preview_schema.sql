-- A scratch schema for previewing the star schema before any run has published it. It is created
-- inside a transaction that is always rolled back, so nothing is left behind.
create schema etl_model_preview;
set local search_path to etl_model_preview;
