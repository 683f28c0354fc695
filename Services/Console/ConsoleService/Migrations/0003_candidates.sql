-- Candidates, as the console learns them from `authorization.opened` and `candidate.updated`: enough to
-- send a sign-in link to a known address and to sign tokens in the candidate's name.
CREATE TABLE candidates (
    candidate_id text PRIMARY KEY,
    name         text NOT NULL,
    email        text NOT NULL,
    language     text NOT NULL,
    time_zone    text NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX candidates_email ON candidates (lower(email), updated_at DESC);

-- A signed-in browser belongs to a staff account or to a candidate; a candidate's carries the language
-- they read the console in.
ALTER TABLE sign_in_sessions ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE sign_in_sessions ADD COLUMN candidate_id text REFERENCES candidates (candidate_id) ON DELETE CASCADE;
ALTER TABLE sign_in_sessions ADD COLUMN language text;
ALTER TABLE sign_in_sessions ADD CONSTRAINT sign_in_sessions_one_person CHECK ((account_id IS NULL) <> (candidate_id IS NULL));
CREATE INDEX sign_in_sessions_candidate ON sign_in_sessions (candidate_id);

-- Candidates sign in by a link that works once, within 15 minutes.
ALTER TABLE one_time_links ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE one_time_links ADD COLUMN candidate_id text REFERENCES candidates (candidate_id) ON DELETE CASCADE;
ALTER TABLE one_time_links DROP CONSTRAINT one_time_links_purpose_check;
ALTER TABLE one_time_links ADD CONSTRAINT one_time_links_purpose CHECK (
    (purpose = 'set-password' AND account_id IS NOT NULL AND candidate_id IS NULL)
    OR (purpose = 'candidate-sign-in' AND candidate_id IS NOT NULL AND account_id IS NULL)
);
CREATE INDEX one_time_links_candidate ON one_time_links (candidate_id);
