-- Interview findings and the failure taxonomy (research/taxonomy.py, research/findings.py,
-- research/coding_agreement.py, research/findings_import.py). Every row a person creates
-- or changes records who and when. Nothing of a past finding is ever lost: a finding
-- keeps the code it was given even after that code is merged or retired, and every
-- saved version of a finding is kept in record_versions.

CREATE SEQUENCE finding_id_seq START 1;
CREATE SEQUENCE finding_quote_id_seq START 1;

-- The codebook: one per database (per organisation), shared by its studies.
CREATE TABLE taxonomy_groups (
    group_key      VARCHAR PRIMARY KEY,
    label_en       VARCHAR NOT NULL,
    label_zh       VARCHAR NOT NULL,
    description_en VARCHAR,
    description_zh VARCHAR,
    sort_order     INTEGER NOT NULL,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- status: active (offered for new findings), retired (kept for history, hidden for new
-- findings) or merged (its findings count under merged_into from then on).
CREATE TABLE taxonomy_codes (
    code               VARCHAR PRIMARY KEY,
    group_key          VARCHAR NOT NULL,
    label_en           VARCHAR NOT NULL,
    label_zh           VARCHAR NOT NULL,
    description_en     VARCHAR,
    description_zh     VARCHAR,
    controllable       BOOLEAN NOT NULL,
    can_be_involuntary BOOLEAN NOT NULL,
    status             VARCHAR NOT NULL CHECK (status IN ('active', 'retired', 'merged')),
    merged_into        VARCHAR,
    sort_order         INTEGER NOT NULL,
    added_in_version   INTEGER NOT NULL,
    created_by         VARCHAR NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_by         VARCHAR NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

-- One row per change of the codebook; the highest version is the current codebook.
CREATE TABLE taxonomy_changes (
    version    INTEGER PRIMARY KEY,
    action     VARCHAR NOT NULL,
    code       VARCHAR,
    detail     JSON,
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- Labels from imported spreadsheets that a person mapped to a code, so the next import
-- of the same kind of file needs no mapping. label is lower-cased and trimmed.
CREATE TABLE taxonomy_label_map (
    label      VARCHAR PRIMARY KEY,
    code       VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One interview's findings: a versioned record (research/records.py). List-like answers
-- are JSON arrays; quotes live in finding_quotes so two people can edit two quotes.
CREATE TABLE findings (
    id                INTEGER PRIMARY KEY DEFAULT nextval('finding_id_seq'),
    study_id          INTEGER NOT NULL,
    customer_id       VARCHAR NOT NULL,
    interview_id      INTEGER,
    interview_date    DATE,
    interviewer       VARCHAR,
    origin            VARCHAR NOT NULL CHECK (origin IN ('interview', 'import', 'demo')),
    status            VARCHAR NOT NULL CHECK (status IN ('draft', 'final')),
    defection_type    VARCHAR CHECK (defection_type IN ('full', 'partial', 'former')),
    destination       VARCHAR CHECK (destination IN ('competitor', 'stopped')),
    competitor        VARCHAR,
    primary_code      VARCHAR,
    secondary_codes   JSON,
    controllable      BOOLEAN,
    voluntary         VARCHAR CHECK (voluntary IN ('voluntary', 'involuntary')),
    why_1             VARCHAR NOT NULL DEFAULT '',
    why_2             VARCHAR NOT NULL DEFAULT '',
    why_3             VARCHAR NOT NULL DEFAULT '',
    why_4             VARCHAR NOT NULL DEFAULT '',
    why_5             VARCHAR NOT NULL DEFAULT '',
    sat_product       VARCHAR,
    sat_service       VARCHAR,
    sat_delivery      VARCHAR,
    sat_value         VARCHAR,
    sat_communication VARCHAR,
    lifecycle_stage   VARCHAR,
    summary           VARCHAR NOT NULL DEFAULT '',
    win_back          VARCHAR CHECK (win_back IN ('yes', 'maybe', 'no')),
    win_back_needs    VARCHAR NOT NULL DEFAULT '',
    codebook_version  INTEGER,
    source_category   VARCHAR,
    source_reason     VARCHAR,
    source_data       JSON,
    import_id         INTEGER,
    source_key        VARCHAR,
    finalized_by      VARCHAR,
    finalized_at      TIMESTAMP,
    version           INTEGER NOT NULL,
    created_by        VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_by        VARCHAR NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

-- Verbatim quotes, each a versioned record of its own, optionally tagged with a code.
-- A removed quote is marked removed, not deleted.
CREATE TABLE finding_quotes (
    id         INTEGER PRIMARY KEY DEFAULT nextval('finding_quote_id_seq'),
    finding_id INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    text       VARCHAR NOT NULL DEFAULT '',
    code       VARCHAR,
    removed    BOOLEAN NOT NULL DEFAULT FALSE,
    version    INTEGER NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The interview guide shown beside the form, per study and language (versioned).
CREATE TABLE interview_guides (
    study_id   INTEGER NOT NULL,
    language   VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    version    INTEGER NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, language)
);

-- A study's request for a second, blind coding of a share of its final findings.
CREATE TABLE coding_plans (
    study_id   INTEGER PRIMARY KEY,
    share      DOUBLE NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per finding picked for second coding; coder and codes are filled when the
-- second coder saves (first_code keeps the first coder's primary cause as it was then,
-- so settling a disagreement later never changes the measured agreement), settled_code
-- when the team settles a disagreement.
CREATE TABLE second_codings (
    finding_id       INTEGER PRIMARY KEY,
    study_id         INTEGER NOT NULL,
    first_code       VARCHAR,
    coder            VARCHAR,
    primary_code     VARCHAR,
    secondary_codes  JSON,
    note             VARCHAR,
    codebook_version INTEGER,
    coded_at         TIMESTAMP,
    settled_code     VARCHAR,
    settled_by       VARCHAR,
    settled_at       TIMESTAMP,
    created_by       VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_by       VARCHAR NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

-- ------------------------------------------------------------ the default taxonomy
-- DESIGN.md "Default failure taxonomy": grouped as the literature groups them.

INSERT INTO taxonomy_changes VALUES
    (1, 'seed', NULL, '{"source": "default taxonomy"}', 'system', current_localtimestamp()::TIMESTAMP(0));

INSERT INTO taxonomy_groups VALUES
    ('company', 'Company-side (controllable)', '公司方面（可控）',
     'Failures of our own people, products, processes and policies.',
     '我们自己的人员、产品、流程和政策造成的失误。', 1,
     'system', current_localtimestamp()::TIMESTAMP(0), 'system', current_localtimestamp()::TIMESTAMP(0)),
    ('competitor', 'Competitor pull', '竞争对手吸引',
     'A competitor offered something that drew the customer away.',
     '竞争对手提供了更有吸引力的东西，把客户拉走了。', 2,
     'system', current_localtimestamp()::TIMESTAMP(0), 'system', current_localtimestamp()::TIMESTAMP(0)),
    ('customer', 'Customer-side (uncontrollable)', '客户方面（不可控）',
     'Changes on the customer''s side that the company could not have prevented.',
     '客户自身的变化，公司无法阻止。', 3,
     'system', current_localtimestamp()::TIMESTAMP(0), 'system', current_localtimestamp()::TIMESTAMP(0));

CREATE TEMP TABLE seed_codes (
    code VARCHAR, group_key VARCHAR, label_en VARCHAR, label_zh VARCHAR,
    description_en VARCHAR, description_zh VARCHAR, controllable BOOLEAN,
    can_be_involuntary BOOLEAN, sort_order INTEGER);

INSERT INTO seed_codes VALUES
    ('staff_attitude', 'company', 'Indifferent or poor staff attitude', '员工态度冷漠或恶劣',
     'Our staff were indifferent to the customer''s needs, rude or unhelpful.',
     '我们的员工对客户的需求漠不关心、态度粗鲁或不肯帮忙。', TRUE, FALSE, 1),
    ('product_quality', 'company', 'Product quality or reliability', '产品质量或可靠性',
     'Defects, breakdowns, inconsistent quality or unreliable results.',
     '产品有缺陷、故障频发、质量不稳定或结果不可靠。', TRUE, FALSE, 2),
    ('product_fit', 'company', 'Product no longer fits needs (development lagged)', '产品不再满足需求（开发滞后）',
     'The customer''s needs moved on and our product development did not keep up.',
     '客户的需求变了，我们的产品开发没有跟上。', TRUE, FALSE, 3),
    ('after_sales_service', 'company', 'After-sales service', '售后服务',
     'Installation, maintenance, repair or support after the sale fell short.',
     '安装、维护、维修或售后支持不到位。', TRUE, FALSE, 4),
    ('complaint_unresolved', 'company', 'Complaint not resolved', '投诉未解决',
     'The customer complained and the complaint was not resolved to their satisfaction.',
     '客户投诉过，但问题没有得到令其满意的解决。', TRUE, FALSE, 5),
    ('delivery_logistics', 'company', 'Delivery / logistics', '交付 / 物流',
     'Late, incomplete or wrong deliveries; stock-outs; logistics problems.',
     '交货延迟、不完整或发错货；缺货；物流问题。', TRUE, FALSE, 6),
    ('price_value', 'company', 'Price / value for money', '价格 / 性价比',
     'Our price was too high for the value the customer saw, or rose too much.',
     '相对于客户感受到的价值，我们的价格太高或涨价过多。', TRUE, FALSE, 7),
    ('too_little_communication', 'company', 'Too little communication', '沟通太少',
     'We did not keep in touch, inform or listen to the customer enough.',
     '我们与客户联系、通报情况或倾听客户意见太少。', TRUE, FALSE, 8),
    ('account_manager_left', 'company', 'Account manager left and took the customer', '客户经理离职并带走客户',
     'The customer followed their account manager to a new employer.',
     '客户跟随离职的客户经理去了其新东家。', TRUE, FALSE, 9),
    ('policy_change', 'company', 'Policy change (minimum order, service radius, payment terms, bundling)', '政策变化（最低订货量、服务半径、付款条件、捆绑销售）',
     'A decision of ours pushed the customer out: a higher minimum order, a smaller service radius, stricter payment terms, bundling.',
     '我们的决定把客户推走了：提高最低订货量、缩小服务半径、收紧付款条件、捆绑销售等。', TRUE, TRUE, 10),
    ('repositioning', 'company', 'Repositioning or business change', '重新定位或业务调整',
     'We repositioned or changed our business so that the customer no longer fitted.',
     '我们重新定位或调整了业务，客户不再在我们的服务范围内。', TRUE, TRUE, 11),
    ('channel_conflict', 'company', 'Channel conflict', '渠道冲突',
     'Our sales channels competed for the customer, or one channel was cut off.',
     '我们的销售渠道之间争抢客户，或某个渠道被切断。', TRUE, TRUE, 12),
    ('competitor_lower_price', 'competitor', 'Lower price', '价格更低',
     'A competitor offered a lower price for a comparable offer.',
     '竞争对手以更低的价格提供了相当的产品或服务。', TRUE, FALSE, 13),
    ('competitor_better_product', 'competitor', 'Better product', '产品更好',
     'A competitor''s product was better or newer.',
     '竞争对手的产品更好或更新。', TRUE, FALSE, 14),
    ('competitor_better_service', 'competitor', 'Better service', '服务更好',
     'A competitor served the customer better.',
     '竞争对手的服务更好。', TRUE, FALSE, 15),
    ('competitor_promotion', 'competitor', 'Aggressive promotion', '强力促销',
     'A competitor won the customer with an aggressive promotion or offer.',
     '竞争对手通过强力促销或优惠把客户拉走了。', TRUE, FALSE, 16),
    ('competitor_inducement', 'competitor', 'Improper inducement', '不正当利诱',
     'A competitor used improper inducements (kickbacks, gifts) to win the customer.',
     '竞争对手用回扣、送礼等不正当手段拉走了客户。', FALSE, FALSE, 17),
    ('moved_away', 'customer', 'Moved away', '搬迁',
     'The customer moved out of the area we serve.',
     '客户搬出了我们的服务区域。', FALSE, FALSE, 18),
    ('business_changed', 'customer', 'Business shrank or changed direction', '业务萎缩或转向',
     'The customer''s business shrank or moved into another line.',
     '客户的业务萎缩或转向了其他领域。', FALSE, FALSE, 19),
    ('integrated_upstream', 'customer', 'Integrated upstream and became a competitor', '向上游整合，成为竞争对手',
     'The customer now makes what it bought from us and competes with us.',
     '客户开始自己生产原来向我们购买的东西，成了我们的竞争对手。', FALSE, FALSE, 20),
    ('closed_bankrupt', 'customer', 'Closed or bankrupt', '倒闭或破产',
     'The customer closed down or went bankrupt.',
     '客户已停业或破产。', FALSE, FALSE, 21),
    ('died', 'customer', 'Died', '身故',
     'The customer died.',
     '客户已去世。', FALSE, FALSE, 22),
    ('needs_changed', 'customer', 'Needs or preferences changed', '需求或偏好改变',
     'The customer no longer needs what we sell, or their preferences changed.',
     '客户不再需要我们的产品，或偏好发生了变化。', FALSE, FALSE, 23),
    ('wanted_variety', 'customer', 'Wanted variety', '想换换口味',
     'The customer simply wanted to try something different.',
     '客户只是想尝试一些不同的东西。', FALSE, FALSE, 24),
    ('friend_recommendation', 'customer', 'A friend''s recommendation', '朋友推荐',
     'A friend or colleague recommended another supplier.',
     '朋友或同事推荐了另一家供应商。', FALSE, FALSE, 25);

INSERT INTO taxonomy_codes
SELECT code, group_key, label_en, label_zh, description_en, description_zh, controllable,
       can_be_involuntary, 'active', NULL, sort_order, 1,
       'system', current_localtimestamp()::TIMESTAMP(0), 'system', current_localtimestamp()::TIMESTAMP(0)
FROM seed_codes;

DROP TABLE seed_codes;
