drop table if exists limit_list
