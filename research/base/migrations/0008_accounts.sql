-- Accounts, erasure and retention (issue 12). People sign in with a local account
-- (research/base/accounts.py); each account has one role, and the permissions of the
-- roles are one table in research/base/permissions.py. member_id links an account to
-- the team member it is, so an interviewer's call list and bookings are their own.

CREATE SEQUENCE user_id_seq START 1;

CREATE TABLE users (
    id              INTEGER PRIMARY KEY DEFAULT nextval('user_id_seq'),
    login           VARCHAR NOT NULL UNIQUE,
    display_name    VARCHAR NOT NULL,
    role            VARCHAR NOT NULL
        CHECK (role IN ('admin', 'lead', 'interviewer', 'coder', 'viewer')),
    password_hash   VARCHAR NOT NULL,
    member_id       INTEGER,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    last_sign_in    TIMESTAMP,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- Customers whose personal data was erased on request. Kept apart from customers, as
-- do_not_call is, so that importing an old customer file never brings the data back:
-- the import blanks these customers' personal fields (research/ledger/load.py).
CREATE TABLE erased_customers (
    customer_id VARCHAR PRIMARY KEY,
    reason      VARCHAR,
    erased_by   VARCHAR NOT NULL,
    erased_at   TIMESTAMP NOT NULL
);

-- Retention: a study's personal data is erased retention_days after it closed
-- (NULL: kept). closed_at is set when the status becomes 'closed'; studies closed
-- before this migration count from their last change. personal_data_erased_at records
-- when `defectors retention apply` erased it.
ALTER TABLE studies ADD COLUMN retention_days INTEGER;
ALTER TABLE studies ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE studies ADD COLUMN personal_data_erased_at TIMESTAMP;
UPDATE studies SET closed_at = updated_at WHERE status = 'closed';

-- The audit log says what changed: which kind of record (entity) and which one
-- (entity_id); detail holds the old and the new values.
ALTER TABLE audit_log ADD COLUMN entity VARCHAR;
ALTER TABLE audit_log ADD COLUMN entity_id VARCHAR;
