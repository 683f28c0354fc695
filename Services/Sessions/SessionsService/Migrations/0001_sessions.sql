-- The exam catalog, testing locations, sessions, proctors and bookings, plus the local projections
-- of candidates and authorizations that booking decisions are made from.

CREATE TABLE exams (
    code text PRIMARY KEY,
    title text NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
    languages text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);

CREATE TABLE locations (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    address text NOT NULL,
    time_zone text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    location_id uuid NOT NULL REFERENCES locations (id),
    name text NOT NULL,
    -- Comma-separated: exam codes never contain commas.
    exam_codes text NOT NULL,
    room text,
    additional_instructions text,
    instructions text,
    delivery_preference text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    self_enrollment boolean NOT NULL,
    private_kind text CHECK (private_kind IN ('individual', 'common')),
    booking_deadline timestamptz,
    cancellation_deadline timestamptz,
    capacity integer CHECK (capacity > 0),
    authorization_required boolean NOT NULL,
    price_amount numeric,
    price_currency text,
    candidates_per_proctor integer NOT NULL CHECK (candidates_per_proctor > 0),
    status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    -- Confirmed bookings plus seats held for payment; the booking transaction keeps it exact.
    seats_taken integer NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (starts_at < ends_at),
    CHECK (self_enrollment = (private_kind IS NULL)),
    -- The last line of defence against overbooking, whatever the code above it does.
    CHECK (capacity IS NULL OR seats_taken <= capacity)
);
CREATE INDEX sessions_by_time ON sessions (starts_at, ends_at);

CREATE TABLE proctors (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE session_proctors (
    session_id uuid NOT NULL REFERENCES sessions (id),
    proctor_id uuid NOT NULL REFERENCES proctors (id),
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, proctor_id)
);
CREATE INDEX session_proctors_by_proctor ON session_proctors (proctor_id);

-- Contact data for events and emails: from authorization.opened, candidate.updated and candidates' tokens.
CREATE TABLE candidates (
    external_id text PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    language text NOT NULL,
    time_zone text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- What this service knows of authorizations. The owner is the authorizations service; a booking
-- claims an Open one here first (one conditional update), and the owner confirms or rejects.
CREATE TABLE authorizations (
    id uuid PRIMARY KEY,
    purchase_id text NOT NULL,
    candidate_id text NOT NULL,
    exam_code text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'assigned', 'inactive')),
    booking_id uuid,
    updated_at timestamptz NOT NULL
);
CREATE INDEX authorizations_open_by_candidate ON authorizations (candidate_id, exam_code) WHERE status = 'open';

CREATE SEQUENCE waitlist_positions;

CREATE TABLE bookings (
    id uuid PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id),
    candidate_id text NOT NULL,
    exam_code text NOT NULL,
    authorization_id uuid,
    status text NOT NULL CHECK (status IN ('confirmed', 'awaiting-payment', 'waitlisted', 'cancelled', 'expired', 'rejected')),
    waitlist_position bigint,
    payment_expires_at timestamptz,
    payment_id text,
    end_reason text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL)),
    CHECK ((status = 'awaiting-payment') = (payment_expires_at IS NOT NULL) OR status <> 'awaiting-payment')
);
-- One active booking per candidate and exam, and one active booking per authorization: the
-- invariants hold even if two replicas decide at the same instant.
CREATE UNIQUE INDEX bookings_one_active_per_exam ON bookings (candidate_id, exam_code)
    WHERE status IN ('confirmed', 'awaiting-payment');
CREATE UNIQUE INDEX bookings_one_active_per_authorization ON bookings (authorization_id)
    WHERE status IN ('confirmed', 'awaiting-payment') AND authorization_id IS NOT NULL;
CREATE UNIQUE INDEX bookings_one_waitlist_place ON bookings (session_id, candidate_id) WHERE status = 'waitlisted';
CREATE INDEX bookings_by_session ON bookings (session_id, status);
CREATE INDEX bookings_by_candidate ON bookings (candidate_id, created_at);
CREATE INDEX bookings_waitlist ON bookings (session_id, waitlist_position) WHERE status = 'waitlisted';
CREATE INDEX bookings_payment_due ON bookings (payment_expires_at) WHERE status = 'awaiting-payment';
