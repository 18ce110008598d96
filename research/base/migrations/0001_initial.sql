-- The first schema: studies, the company's customer data per study, detection
-- results, target lists and an audit log. Every row a person creates or changes
-- records who and when.

CREATE SEQUENCE study_id_seq START 1;
CREATE SEQUENCE import_id_seq START 1;
CREATE SEQUENCE audit_id_seq START 1;

CREATE TABLE studies (
    id                 INTEGER PRIMARY KEY DEFAULT nextval('study_id_seq'),
    name               VARCHAR NOT NULL UNIQUE,
    description        VARCHAR,
    as_of              DATE NOT NULL,
    window_months      INTEGER NOT NULL,
    drop_threshold     DOUBLE NOT NULL,
    gap_multiple       DOUBLE NOT NULL,
    best_core_pct      DOUBLE NOT NULL,
    other_core_pct     DOUBLE NOT NULL,
    general_pct        DOUBLE NOT NULL,
    target_sample_size INTEGER NOT NULL,
    weight_best_core   DOUBLE NOT NULL,
    weight_other_core  DOUBLE NOT NULL,
    weight_general     DOUBLE NOT NULL,
    weight_expendable  DOUBLE NOT NULL,
    sample_seed        INTEGER NOT NULL,
    status             VARCHAR NOT NULL
        CHECK (status IN ('planning', 'screening', 'interviewing', 'review', 'closed')),
    created_by         VARCHAR NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_by         VARCHAR NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    study_id       INTEGER NOT NULL,
    customer_id    VARCHAR NOT NULL,
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
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id)
);

-- No primary key: an index over tens of millions of rows costs more than it
-- gives. Re-imports are made idempotent by row_key (md5 of the normalised row).
CREATE TABLE transactions (
    study_id     INTEGER NOT NULL,
    row_key      VARCHAR NOT NULL,
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
    study_id        INTEGER NOT NULL,
    customer_id     VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    period_start    DATE NOT NULL,
    period_end      DATE NOT NULL,
    estimated_spend DECIMAL(18, 2) NOT NULL,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id, period_start, period_end)
);

CREATE TABLE imports (
    id           INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
    study_id     INTEGER NOT NULL,
    kind         VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    encoding     VARCHAR,
    rows_in_file INTEGER NOT NULL,
    rows_new     INTEGER NOT NULL,
    rows_updated INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Replaced as a whole each time detection runs for a study.
CREATE TABLE detection_results (
    study_id        INTEGER NOT NULL,
    customer_id     VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,
    segment         VARCHAR,
    baseline_spend  DECIMAL(18, 2) NOT NULL,
    recent_spend    DECIMAL(18, 2) NOT NULL,
    baseline_value  DOUBLE,
    baseline_share  DOUBLE,
    recent_share    DOUBLE,
    spend_lost      DECIMAL(18, 2) NOT NULL,
    first_purchase  DATE,
    last_purchase   DATE,
    usual_gap_days  DOUBLE,
    days_silent     INTEGER,
    long_silence    BOOLEAN NOT NULL,
    computed_by     VARCHAR NOT NULL,
    computed_at     TIMESTAMP NOT NULL
);

-- Screening can find that a defector left the category: from then on they are a
-- former customer, not a defector. Kept apart from detection_results so that a
-- new detection run never loses it.
CREATE TABLE former_customers (
    study_id    INTEGER NOT NULL,
    customer_id VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id)
);

CREATE TABLE target_list (
    study_id    INTEGER NOT NULL,
    customer_id VARCHAR NOT NULL,
    source      VARCHAR NOT NULL CHECK (source IN ('sample', 'manual')),
    included    BOOLEAN NOT NULL,
    reason      VARCHAR,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id)
);

CREATE TABLE audit_log (
    id         BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    study_id   INTEGER,
    actor      VARCHAR NOT NULL,
    acted_at   TIMESTAMP NOT NULL,
    action     VARCHAR NOT NULL,
    detail     JSON
);
