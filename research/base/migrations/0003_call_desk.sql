-- The call desk: the investigation team, who calls whom, every call attempt, the
-- screening answers, people who must never be called again, and interview bookings
-- with their history. Every row a person creates or changes records who and when.

CREATE SEQUENCE team_member_id_seq START 1;
CREATE SEQUENCE call_attempt_id_seq START 1;
CREATE SEQUENCE interview_id_seq START 1;
CREATE SEQUENCE interview_event_id_seq START 1;

-- People, across studies. available_hours is the weekly pattern in the member's own
-- time zone, as research/team.py writes it ("mon-fri 09:00-12:00,14:00-17:00").
CREATE TABLE team_members (
    id              INTEGER PRIMARY KEY DEFAULT nextval('team_member_id_seq'),
    name            VARCHAR NOT NULL UNIQUE,
    role            VARCHAR NOT NULL CHECK (role IN ('senior_manager', 'marketing_manager',
                                                    'sales', 'phone_interviewer', 'viewer')),
    phone           VARCHAR,
    email           VARCHAR,
    time_zone       VARCHAR NOT NULL,
    available_hours VARCHAR,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- A study's investigation team; quota = interviews a senior manager holds personally.
CREATE TABLE study_team (
    study_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    quota      INTEGER,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, member_id)
);

-- Which phone interviewer calls which target.
CREATE TABLE call_assignments (
    study_id       INTEGER NOT NULL,
    customer_id    VARCHAR NOT NULL,
    interviewer_id INTEGER NOT NULL,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id)
);

CREATE TABLE call_attempts (
    id             BIGINT PRIMARY KEY DEFAULT nextval('call_attempt_id_seq'),
    study_id       INTEGER NOT NULL,
    customer_id    VARCHAR NOT NULL,
    interviewer_id INTEGER,
    called_at      TIMESTAMP NOT NULL,
    outcome        VARCHAR NOT NULL CHECK (outcome IN ('no_answer', 'busy', 'wrong_number',
                                                      'refused', 'call_back', 'reached',
                                                      'do_not_call')),
    call_back_at   TIMESTAMP,
    note           VARCHAR,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

-- Kept apart from customers, so a re-import of the customer file can never undo it;
-- every call list is built without these people.
CREATE TABLE do_not_call (
    study_id    INTEGER NOT NULL,
    customer_id VARCHAR NOT NULL,
    note        VARCHAR,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id)
);

-- The screening call's answers: a versioned record (research/records.py), so two
-- interviewers never overwrite each other silently.
CREATE TABLE screenings (
    study_id           INTEGER NOT NULL,
    customer_id        VARCHAR NOT NULL,
    tenure_years       DOUBLE,
    where_now          VARCHAR,
    competitor         VARCHAR,
    still_buys_from_us VARCHAR,
    customer_kind      VARCHAR,
    age_band           VARCHAR,
    income_band        VARCHAR,
    education          VARCHAR,
    company_size       VARCHAR,
    industry           VARCHAR,
    consent            VARCHAR,
    preferred_mode     VARCHAR,
    preferred_place    VARCHAR,
    notes              VARCHAR NOT NULL DEFAULT '',
    version            INTEGER NOT NULL,
    created_by         VARCHAR NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_by         VARCHAR NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, customer_id)
);

-- Interviews with a senior manager. starts_at_utc is naive UTC; time_zone is the zone
-- the booking was made in (shown and written to the invitation). uid and sequence are
-- the calendar invitation's: a change keeps the uid and raises the sequence.
CREATE TABLE interviews (
    id             INTEGER PRIMARY KEY DEFAULT nextval('interview_id_seq'),
    study_id       INTEGER NOT NULL,
    customer_id    VARCHAR NOT NULL,
    manager_id     INTEGER NOT NULL,
    starts_at_utc  TIMESTAMP NOT NULL,
    time_zone      VARCHAR NOT NULL,
    length_minutes INTEGER NOT NULL,
    mode           VARCHAR NOT NULL CHECK (mode IN ('face_to_face', 'video', 'phone')),
    place          VARCHAR,
    status         VARCHAR NOT NULL CHECK (status IN ('booked', 'done', 'no_show', 'cancelled')),
    uid            VARCHAR NOT NULL UNIQUE,
    sequence       INTEGER NOT NULL,
    note           VARCHAR,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Every booking, reschedule, cancellation, no-show and completion, in order.
CREATE TABLE interview_events (
    id             BIGINT PRIMARY KEY DEFAULT nextval('interview_event_id_seq'),
    interview_id   INTEGER NOT NULL,
    action         VARCHAR NOT NULL,
    starts_at_utc  TIMESTAMP,
    length_minutes INTEGER,
    detail         JSON,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
