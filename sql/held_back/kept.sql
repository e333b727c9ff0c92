-- Whether the published data keeps its held-back rows: the last published run recorded their count
-- (runs before etl.held_back_list_rows existed, and runs on the data they published, did not).
select coalesce((select held_back_rows is not null from etl.runs where status = 'succeeded'
                 order by run_id desc limit 1), false) as held_back
