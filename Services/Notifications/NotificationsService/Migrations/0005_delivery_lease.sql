-- A sender's claim on an email lives in its own column, outside every index, so that claiming (one
-- update per email) can be a heap-only update that leaves the indexes alone; the free space per page
-- is what lets it stay on the same page.
ALTER TABLE deliveries ADD COLUMN leased_until timestamptz;
ALTER TABLE deliveries SET (fillfactor = 70);
