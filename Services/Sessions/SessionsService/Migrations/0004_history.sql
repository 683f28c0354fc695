-- What happened to each booking and each session, for CSRs: who, when, what, and the values before
-- and after. A booking's line holds its status, session, authorization, payment hold and end reason;
-- its creation is read from the booking itself.
CREATE TABLE booking_history (
    id         bigserial PRIMARY KEY,
    booking_id uuid NOT NULL,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    change     text NOT NULL,
    before     jsonb,
    after      jsonb NOT NULL
);
CREATE INDEX booking_history_by_booking ON booking_history (booking_id, id);

CREATE TABLE session_history (
    id         bigserial PRIMARY KEY,
    session_id uuid NOT NULL,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    change     text NOT NULL,
    before     jsonb,
    after      jsonb NOT NULL
);
CREATE INDEX session_history_by_session ON session_history (session_id, id);
