-- The failure-analysis system (research/analysis/): improvement actions decided in a
-- review, each tied to the failure causes it addresses, and the reviews themselves
-- (checkpoint, final, quarterly) with what was seen and decided then.

CREATE SEQUENCE improvement_action_id_seq START 1;

-- Company-wide, not per study: the quarterly review checks an action against the
-- causes it targets across every later study. Versioned (research/base/records.py).
CREATE TABLE improvement_actions (
    id             INTEGER PRIMARY KEY DEFAULT nextval('improvement_action_id_seq'),
    title          VARCHAR NOT NULL,
    description    VARCHAR NOT NULL DEFAULT '',
    owner          VARCHAR NOT NULL,
    due_date       DATE,
    status         VARCHAR NOT NULL CHECK (status IN ('proposed', 'planned', 'in_progress',
                                                      'done', 'dropped')),
    effective_from DATE,
    causes         JSON NOT NULL,
    segments       JSON,
    study_id       INTEGER,
    version        INTEGER NOT NULL,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE SEQUENCE review_id_seq START 1;

-- A review meeting as it was held: the snapshot keeps the cause ranking of that day, so
-- a later review shows what changed since.
CREATE TABLE reviews (
    id               INTEGER PRIMARY KEY DEFAULT nextval('review_id_seq'),
    study_id         INTEGER NOT NULL,
    kind             VARCHAR NOT NULL CHECK (kind IN ('checkpoint', 'final', 'quarterly')),
    held_on          DATE NOT NULL,
    attendees        VARCHAR NOT NULL DEFAULT '',
    process_problems VARCHAR NOT NULL DEFAULT '',
    proposals        VARCHAR NOT NULL DEFAULT '',
    decisions        VARCHAR NOT NULL DEFAULT '',
    snapshot         JSON,
    created_by       VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
