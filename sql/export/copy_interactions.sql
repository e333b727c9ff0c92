-- One chunk of the interactions in the heap's order, as binary COPY (COPY takes no bind
-- parameters): the exporter fills in the selected columns and a WHERE on ctid that keeps the
-- chunk's blocks (a TID range scan: the table's pages read in order, as a sequential scan reads
-- them), text it produced itself (column expressions from lib/export/interaction_columns.ts,
-- block numbers). No ORDER BY: an ordered read of a heap whose rows are not in key order visits a
-- page per row; the exporter sorts each user range in memory instead.
copy (
  select :columns
  from public.anime_list
  :blocks
) to stdout (format binary)
