-- Bookings whose attempt a CSR voided: their authorization is Open again, and a late attempt.started for
-- one of them does not make it used.
CREATE TABLE voided_attempts (
    booking_id text PRIMARY KEY,
    voided_at  timestamptz NOT NULL
);
