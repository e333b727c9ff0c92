-- Settings of the load transaction only.
-- The new tables skip WAL (wal_level=minimal), so the commit must fsync every page they wrote: about
-- 600 MB at 8M rows, which took 1.6 s at the end of the run. Asking the kernel to write back each
-- megabyte as the load dirties it moves that I/O under the COPY and the key build: the commit then
-- took 0.4 s. (Measured on the embedded server; see README, "Performance".)
set local backend_flush_after = '1MB';
