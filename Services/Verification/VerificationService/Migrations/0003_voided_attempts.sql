-- A CSR may void an attempt (it does not count); its booking is cancelled and its authorization Open again.
ALTER TABLE attempts DROP CONSTRAINT attempts_status_check;
ALTER TABLE attempts ADD CONSTRAINT attempts_status_check CHECK (status IN ('booked', 'started', 'finished', 'no-show', 'cancelled', 'voided'));
