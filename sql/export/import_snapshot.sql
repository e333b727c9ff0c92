-- First statement of each chunk's REPEATABLE READ transaction: read the export's snapshot. The
-- exporter puts the snapshot id, checked against PostgreSQL's format and quoted, in place of the
-- placeholder below (SET takes no bind parameters).
set transaction snapshot :snapshot_id
