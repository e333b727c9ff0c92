drop table if exists capstone_list
