-- One ledger for the company (issue 8). Customers, transactions and wallet estimates
-- belong to the database, not to a study: a new quarter's export is imported once and
-- serves every study. A study is a question asked of the ledger: its as-of date, its
-- rules and an optional scope (regions, owners, industries, product lines).
--
-- This file makes the new tables; 0005_one_ledger.py then merges every study's rows
-- into them (the same line imported into several studies becomes one line, conflicting
-- customer records are reported and the newer kept) and drops the per-study tables.

ALTER TABLE customers RENAME TO customers_by_study;
ALTER TABLE transactions RENAME TO transactions_by_study;
ALTER TABLE wallet_estimates RENAME TO wallet_by_study;

CREATE TABLE customers (
    customer_id    VARCHAR PRIMARY KEY,
    name           VARCHAR,
    contact_person VARCHAR,
    phone          VARCHAR,
    email          VARCHAR,
    owner          VARCHAR,
    region         VARCHAR,
    industry       VARCHAR,
    size           VARCHAR,
    age_band       VARCHAR,
    income_band    VARCHAR,
    education      VARCHAR,
    attributes     JSON,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Every line of every imported file, once. Identical lines are separate purchases, so
-- a line is known by line_key: md5 of its normalised values, '#', and its occurrence
-- among identical lines of the file it came from (1 for the first, 2 for the second
-- ...); a later file holding the same lines adds only those it holds more often. Where
-- the file had a transaction / order-line ID column, line_id is that ID and decides
-- (research/ledger/load.py). No primary key: an index over tens of millions of rows
-- costs more than it gives.
CREATE TABLE transactions (
    line_key     VARCHAR NOT NULL,
    line_id      VARCHAR,
    customer_id  VARCHAR NOT NULL,
    date         DATE NOT NULL,
    amount       DECIMAL(18, 2) NOT NULL,
    quantity     DOUBLE,
    product_line VARCHAR,
    margin       DECIMAL(18, 2),
    import_id    INTEGER,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE wallet_estimates (
    customer_id     VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    period_start    DATE NOT NULL,
    period_end      DATE NOT NULL,
    estimated_spend DECIMAL(18, 2) NOT NULL,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, period_start, period_end)
);

-- Ledger imports belong to no study (study_id NULL); past findings still do.
-- identical_kept: lines identical to an earlier line of the same file, kept as separate
-- purchases. duplicates: rows skipped as exact repeats (customers and wallet estimates;
-- transaction imports before this migration skipped identical lines too, and
-- re-importing those files restores them). origin: 'file', or 'demo' for the demo
-- company's data.
ALTER TABLE imports ALTER COLUMN study_id DROP NOT NULL;
ALTER TABLE imports ADD COLUMN identical_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN origin VARCHAR NOT NULL DEFAULT 'file';

-- NULL or {}: the whole ledger; else {"region": [...], "owner": [...], "industry": [...],
-- "product_line": [...]}, each a list of the values the study looks at.
ALTER TABLE studies ADD COLUMN scope JSON;

-- What the study's stored detection results were computed on and how: the newest ledger
-- import they saw, the lines and customers in scope, what ranked the value segments,
-- and how far share of wallet could be used. Replaced with detection_results.
CREATE TABLE detection_runs (
    study_id          INTEGER PRIMARY KEY,
    data_import_id    INTEGER,
    transactions      BIGINT NOT NULL,
    customers         BIGINT NOT NULL,
    ranked_by         VARCHAR NOT NULL CHECK (ranked_by IN ('spend', 'margin')),
    ranked            BIGINT NOT NULL,
    margin_incomplete BIGINT NOT NULL,
    wallet_customers  BIGINT NOT NULL,
    share_customers   BIGINT NOT NULL,
    wallet_set_aside  BIGINT NOT NULL,
    computed_by       VARCHAR NOT NULL,
    computed_at       TIMESTAMP NOT NULL
);

-- Notes for the people using the app, each shown once to each of them (a migration's
-- report, say). key is a message key, detail its values.
CREATE SEQUENCE notice_id_seq START 1;

CREATE TABLE notices (
    id         INTEGER PRIMARY KEY DEFAULT nextval('notice_id_seq'),
    key        VARCHAR NOT NULL,
    detail     JSON,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE notices_seen (
    notice_id INTEGER NOT NULL,
    person    VARCHAR NOT NULL,
    seen_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (notice_id, person)
);
