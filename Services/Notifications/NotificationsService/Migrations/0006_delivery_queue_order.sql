-- Senders walk the queue in the order emails were written, each from where its last batch ended: a sent
-- email leaves a dead entry in this index until vacuum, and a scan from the start would step over all of
-- them on every claim. Retries and expired leases behind a sender's position are found by a periodic
-- scan from the start.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_queue ON deliveries (enqueued_order) WHERE status = 'queued';
