-- Senders claim emails in batches; this keeps each batch in the order the emails were enqueued, also for
-- emails enqueued in the same transaction (which share created_at).
ALTER TABLE deliveries ADD COLUMN enqueued_order bigint GENERATED ALWAYS AS IDENTITY;
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, enqueued_order) WHERE status = 'queued';
