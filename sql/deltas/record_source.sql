-- The ledger of what the list is built from: one row per applied object, in application order.
insert into anime_list_source (source_id, object_key, etag, as_of) values ($1, $2, $3, $4)
