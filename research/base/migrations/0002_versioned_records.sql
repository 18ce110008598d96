-- Support for edits that never silently overwrite each other (research/records.py):
-- every saved version of a versioned record is kept, and text that could not be saved
-- because someone else saved first is parked as a draft until its author resolves it.

CREATE SEQUENCE record_version_id_seq START 1;

CREATE TABLE record_versions (
    id          BIGINT PRIMARY KEY DEFAULT nextval('record_version_id_seq'),
    record_type VARCHAR NOT NULL,
    record_id   VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    data        JSON NOT NULL,
    changed_by  VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL
);

CREATE TABLE drafts (
    record_type  VARCHAR NOT NULL,
    record_id    VARCHAR NOT NULL,
    field        VARCHAR NOT NULL,
    author       VARCHAR NOT NULL,
    text         VARCHAR NOT NULL,
    base_version INTEGER NOT NULL,
    saved_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (record_type, record_id, field, author)
);
