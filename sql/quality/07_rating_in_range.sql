-- User ratings lie within 0..10 (0 means "not rated"): the validated check constraint on
-- anime_list.rating held for every row PostgreSQL stored, so the catalog proves it without a scan
-- of the largest table.
-- blocking: true
select coalesce(max(pg_get_constraintdef(c.oid)) filter (where c.convalidated), 'no validated check on rating')
         as observed,
       'CHECK (((rating >= 0) AND (rating <= 10)))' as expected,
       coalesce(bool_or(c.convalidated and pg_get_constraintdef(c.oid) = 'CHECK (((rating >= 0) AND (rating <= 10)))'), false)
         as passed
from pg_constraint c
where c.conrelid = to_regclass('anime_list') and c.contype = 'c'
  and pg_get_constraintdef(c.oid) like '%rating%'
