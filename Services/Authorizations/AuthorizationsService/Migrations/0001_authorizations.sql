-- Exam authorizations: one per purchase, Open → Assigned → Inactive.

CREATE TABLE candidates (
    external_id text PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text NOT NULL,
    language text NOT NULL,
    time_zone text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE authorizations (
    id uuid PRIMARY KEY,
    purchase_id text NOT NULL UNIQUE,
    candidate_id text NOT NULL,
    exam_code text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'assigned', 'inactive')),
    valid_until timestamptz,
    booking_id text,
    session_id text,
    inactivation_reason text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((status = 'assigned') = (booking_id IS NOT NULL))
);
CREATE INDEX authorizations_by_candidate ON authorizations (candidate_id, exam_code);
CREATE INDEX authorizations_by_status ON authorizations (status, exam_code, created_at);
CREATE INDEX authorizations_to_expire ON authorizations (valid_until) WHERE status = 'open' AND valid_until IS NOT NULL;

-- Every status change, with who or what caused it.
CREATE TABLE authorization_history (
    id bigserial PRIMARY KEY,
    authorization_id uuid NOT NULL REFERENCES authorizations (id),
    from_status text,
    to_status text NOT NULL,
    reason text NOT NULL,
    actor text NOT NULL,
    message_id text,
    at timestamptz NOT NULL
);
CREATE INDEX authorization_history_by_authorization ON authorization_history (authorization_id, id);

-- A refund that arrived before its purchase: the purchase then opens directly as Inactive.
CREATE TABLE early_refunds (
    purchase_id text PRIMARY KEY,
    reason text NOT NULL,
    received_at timestamptz NOT NULL
);
