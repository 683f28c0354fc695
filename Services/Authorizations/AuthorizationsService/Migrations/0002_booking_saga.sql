-- Bookings that ended (cancelled, rejected) as seen by this service: a `booking.confirmed` that
-- arrives after its own cancellation must not assign the authorization.
CREATE TABLE ended_bookings (
    booking_id text PRIMARY KEY,
    ended_at timestamptz NOT NULL
);
