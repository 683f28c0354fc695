-- A proctor who no longer works for the certification body is deactivated, never deleted: past
-- assignments keep their name, and no new session can be given to them.
ALTER TABLE proctors ADD COLUMN active boolean NOT NULL DEFAULT true;
