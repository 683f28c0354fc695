-- A row the broker refused (a queue at its length limit) or returned (no queue bound for it) stays
-- unsent and is tried again after a back-off, without holding up the rows after it.
ALTER TABLE outbox
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_error text;
