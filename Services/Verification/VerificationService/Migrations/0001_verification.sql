-- Attempts (one per confirmed booking), proctor reports, CSR verdicts and result exports, plus the
-- projections they need: which proctor is on which session, and which purchase an authorization is.

CREATE TABLE attempts (
    id uuid PRIMARY KEY,
    session_id text NOT NULL,
    candidate_id text NOT NULL,
    exam_code text NOT NULL,
    authorization_id text,
    candidate_name text,
    candidate_email text,
    candidate_language text,
    candidate_time_zone text,
    session_start timestamptz NOT NULL,
    session_end timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('booked', 'started', 'finished', 'no-show', 'cancelled')),
    started_at timestamptz,
    finished_at timestamptz,
    score double precision,
    max_score double precision,
    passed boolean,
    verdict text CHECK (verdict IN ('positive', 'negative')),
    verdict_comment text,
    verified_by text,
    verified_at timestamptz,
    exported_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- A verdict only for a finished attempt, and an export only for a verified one with an authorization.
    CHECK (verdict IS NULL OR status = 'finished'),
    CHECK (exported_at IS NULL OR (verdict IS NOT NULL AND authorization_id IS NOT NULL))
);
CREATE INDEX attempts_by_session ON attempts (session_id);
CREATE INDEX attempts_by_candidate ON attempts (candidate_id, created_at);
CREATE INDEX attempts_awaiting_verdict ON attempts (finished_at) WHERE status = 'finished' AND verdict IS NULL;
CREATE INDEX attempts_due_for_export ON attempts (verified_at)
    WHERE exported_at IS NULL AND verdict IS NOT NULL AND authorization_id IS NOT NULL;
CREATE INDEX attempts_booked_by_end ON attempts (session_end) WHERE status = 'booked';

CREATE TABLE proctor_reports (
    attempt_id uuid PRIMARY KEY REFERENCES attempts (id),
    proctor_id text NOT NULL,
    rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    notes text,
    incidents text NOT NULL,
    submitted_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Who did what to an attempt, for the CSRs' audit trail.
CREATE TABLE attempt_audit (
    id bigserial PRIMARY KEY,
    attempt_id uuid NOT NULL REFERENCES attempts (id),
    action text NOT NULL,
    actor text NOT NULL,
    detail text,
    at timestamptz NOT NULL
);
CREATE INDEX attempt_audit_by_attempt ON attempt_audit (attempt_id, id);

CREATE TABLE session_proctors (
    session_id text NOT NULL,
    proctor_id text NOT NULL,
    PRIMARY KEY (session_id, proctor_id)
);

CREATE TABLE authorizations (
    id text PRIMARY KEY,
    purchase_id text NOT NULL
);
