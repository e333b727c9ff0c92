-- Before each timed measurement of the bench: the writes of the one before it (the deltas' WAL, a
-- COPY's pages) are on disk, so no measurement runs under the previous one's checkpoint.
checkpoint
