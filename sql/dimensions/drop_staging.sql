-- The rebuilt dimensions have been copied into public: their staged copies go with the run.
set local search_path to public;
drop schema etl_stage cascade;
