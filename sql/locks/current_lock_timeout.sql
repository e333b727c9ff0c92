-- The session's lock_timeout now, to restore after an attempt ('0' when it waits without limit).
select current_setting('lock_timeout') as lock_timeout
