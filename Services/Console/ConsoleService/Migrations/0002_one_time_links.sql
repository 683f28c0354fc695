-- One-time links: an invitation to set a password (and, for candidates, sign-in links later). The link
-- carries a random token; only its SHA-256 is stored. A link works once, before it expires.
CREATE TABLE one_time_links (
    token_hash text PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('set-password')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX one_time_links_account ON one_time_links (account_id);
