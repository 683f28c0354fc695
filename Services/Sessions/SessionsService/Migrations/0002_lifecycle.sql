-- The end of the exam lifecycle: bookings that completed or were no-shows, what each exam does
-- about verification and no-shows, and how long each projected authorization is valid.

ALTER TABLE exams
    ADD COLUMN verification_required boolean NOT NULL DEFAULT true,
    ADD COLUMN no_show_policy text NOT NULL DEFAULT 'forfeit' CHECK (no_show_policy IN ('forfeit', 'release')),
    ADD COLUMN updated_at timestamptz;
UPDATE exams SET updated_at = created_at;
ALTER TABLE exams ALTER COLUMN updated_at SET NOT NULL;

ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
    CHECK (status IN ('confirmed', 'awaiting-payment', 'waitlisted', 'cancelled', 'expired', 'rejected', 'completed', 'no-show'));
-- Set when the booking's attempt starts: from then on its authorization is used, whatever happens.
ALTER TABLE bookings ADD COLUMN attempt_started_at timestamptz;

ALTER TABLE authorizations ADD COLUMN valid_until timestamptz;
DROP INDEX authorizations_open_by_candidate;
CREATE INDEX authorizations_open_by_candidate ON authorizations (candidate_id, exam_code, valid_until) WHERE status = 'open';
