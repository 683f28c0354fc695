-- When the session an Assigned authorization is booked into starts: an authorization whose validity
-- ends before then, its attempt not begun, expires and its booking is cancelled.
ALTER TABLE authorizations ADD COLUMN session_start timestamptz;
CREATE INDEX authorizations_assigned_expiry ON authorizations (valid_until)
    WHERE status = 'assigned' AND attempt_started_at IS NULL AND valid_until IS NOT NULL;
