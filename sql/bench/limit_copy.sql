-- PostgreSQL's own CSV parser reading the file from local disk: the least work to hold the rows.
-- The benchmark puts the file's path, as a quoted literal, in place of the placeholder below
-- (COPY takes no bind parameters).
copy limit_list from :path (format csv, header true)
