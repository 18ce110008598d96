-- Signed-in sessions that outlive a browser tab's reload (screen/signin.py). The
-- browser keeps a random token in a cookie; only its SHA-256 is stored, so a copy of
-- the database does not let anyone sign in. A session ends when the person signs out,
-- when it expires, or when the account is disabled.

CREATE TABLE sign_in_sessions (
    token_hash VARCHAR PRIMARY KEY,
    login      VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP
);
