-- Exams and locations are corrected and deactivated, never deleted: sessions already planned keep
-- them, and no new session can be placed at a deactivated location or offer a deactivated exam.
ALTER TABLE exams ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE locations
    ADD COLUMN active boolean NOT NULL DEFAULT true,
    ADD COLUMN updated_at timestamptz;
UPDATE locations SET updated_at = created_at;
ALTER TABLE locations ALTER COLUMN updated_at SET NOT NULL;
