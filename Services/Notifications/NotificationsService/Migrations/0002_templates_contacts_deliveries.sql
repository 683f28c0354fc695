-- Templates (CSR edits over the shipped defaults, with history), the projections emails need
-- (contacts, sessions, bookings), reminders still to send, and every delivery.

-- Only edited templates are stored; a (kind, language) without a row uses the shipped default.
CREATE TABLE templates (
    kind text NOT NULL,
    language text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    PRIMARY KEY (kind, language)
);

CREATE TABLE template_history (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    language text NOT NULL,
    version integer NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    edited_at timestamptz NOT NULL,
    edited_by text NOT NULL,
    UNIQUE (kind, language, version)
);

CREATE TABLE contacts (
    candidate_id text PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    language text NOT NULL,
    time_zone text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The latest snapshot of each session a booking email spoke of, as JSON (SessionSnapshot).
CREATE TABLE sessions (
    session_id text PRIMARY KEY,
    snapshot text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Bookings with an event in the candidate's calendar; the sequence grows with every update sent.
CREATE TABLE bookings (
    booking_id text PRIMARY KEY,
    candidate_id text NOT NULL,
    session_id text NOT NULL,
    exam_code text NOT NULL,
    active boolean NOT NULL,
    calendar_sequence integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL
);
CREATE INDEX bookings_by_session ON bookings (session_id) WHERE active;

-- Reminders still to send; a row leaves when it is sent or dropped.
CREATE TABLE reminders (
    booking_id text NOT NULL REFERENCES bookings (booking_id),
    offset_seconds integer NOT NULL,
    due_at timestamptz NOT NULL,
    session_start timestamptz NOT NULL,
    PRIMARY KEY (booking_id, offset_seconds)
);
CREATE INDEX reminders_due ON reminders (due_at);

-- One row per email: one per (triggering event, recipient, kind), rendered once, sent until done.
CREATE TABLE deliveries (
    id uuid PRIMARY KEY,
    dedup_key text NOT NULL UNIQUE,
    trigger_event_id text NOT NULL,
    kind text NOT NULL,
    language text NOT NULL,
    candidate_id text NOT NULL,
    booking_id text,
    recipient text,
    subject text NOT NULL,
    message text,
    status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    next_attempt_at timestamptz,
    correlation_id text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    sent_at timestamptz
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX deliveries_by_candidate ON deliveries (candidate_id, created_at);
CREATE INDEX deliveries_by_status ON deliveries (status, created_at);
