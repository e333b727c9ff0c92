copy etl.rejects (run_id, source_key, line_number, line_count, reason, detail, raw, raw_bytes)
from stdin
