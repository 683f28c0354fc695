-- Staff accounts: admins, CSRs and proctors. Candidates sign in by one-time link and have no row here.
CREATE TABLE accounts (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'csr', 'proctor')),
    -- bcrypt; null until an invited person has chosen a password.
    password_hash text,
    -- The proctor registry entry a proctor account acts as (the token's subject).
    proctor_id    uuid,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CHECK (role <> 'proctor' OR proctor_id IS NOT NULL)
);
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));

-- Signed-in browsers. The cookie holds a random id; only its SHA-256 is stored, so a read of this
-- table cannot be replayed as a cookie.
CREATE TABLE sign_in_sessions (
    id_hash      text PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX sign_in_sessions_account ON sign_in_sessions (account_id);

-- Failed sign-ins, per account (lower-cased email) and per client address, for throttling.
CREATE TABLE sign_in_failures (
    subject   text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, failed_at);

-- The keys access tokens are signed with. The newest signs; a retired key stays published at
-- /.well-known/jwks.json until every token it signed has expired.
CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    private_key_pem text NOT NULL,
    created_at      timestamptz NOT NULL,
    retired_at      timestamptz
);
