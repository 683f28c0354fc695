-- When the attempt an authorization is assigned to started: from then on it is used, and the end of
-- its booking never makes it Open again.
ALTER TABLE authorizations ADD COLUMN attempt_started_at timestamptz;
