-- A study can be archived: kept with everything in it, hidden from the study picker and
-- from "the only study" until it is brought back (research/base/studies.py).

ALTER TABLE studies ADD COLUMN archived_at TIMESTAMP;
ALTER TABLE studies ADD COLUMN archived_by VARCHAR;
