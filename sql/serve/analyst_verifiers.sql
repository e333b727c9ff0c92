-- The analysts PgBouncer lets in: login roles that grant-analyst made direct members of
-- anime_reader, with the SCRAM-SHA-256 verifier stored for each (pg_authid: readable by a superuser
-- only). A role without a SCRAM verifier (no password, or md5) has a null verifier, to be named.
select a.rolname as role,
  case when a.rolpassword like 'SCRAM-SHA-256$%' then a.rolpassword end as verifier
from pg_authid a
where a.rolcanlogin and not a.rolsuper
  and a.oid in (
    select m.member from pg_auth_members m join pg_roles g on g.oid = m.roleid
    where g.rolname = 'anime_reader'
  )
order by a.rolname
