-- The role $1 before grant-analyst changes it (no row when it does not exist): whether it can log
-- in, and whether it is an analyst already (a direct member of anime_reader).
select
  r.rolcanlogin as can_login,
  exists (
    select from pg_auth_members m join pg_roles g on g.oid = m.roleid
    where m.member = r.oid and g.rolname = 'anime_reader'
  ) as is_analyst
from pg_roles r
where r.rolname = $1
