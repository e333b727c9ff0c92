-- One chunk of the interactions in key order, as binary COPY (COPY takes no bind parameters): the
-- exporter fills in the selected columns, a WHERE on the key that starts after the previous
-- chunk's last row (nothing for the first chunk) and the chunk's row limit, all of them text it
-- produced itself (column expressions from lib/export/interaction_columns.ts, integers). The join
-- gives each row its source's as-of date; it is a left join on anime_list_source's key, so it keeps
-- every row, and PostgreSQL drops it when no column selects from it.
copy (
  select :columns
  from public.anime_list
  left join public.anime_list_source as source on source.source_id = anime_list.source_id
  :after
  order by user_id, anime_id
  limit :limit
) to stdout (format binary)
