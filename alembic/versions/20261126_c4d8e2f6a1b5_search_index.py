"""One search index over everything a user writes, kept by triggers (issue 15).

Revision ID: c4d8e2f6a1b5
Revises: b7e1c2a4f9d3
Create Date: 2026-11-26 11:30:00

The statements are literal copies of app/search/models.py at this revision, so this file
never changes when that module does. They create the index, its triggers on every source
table, and fill it from the rows already there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c4d8e2f6a1b5"
down_revision: str | None = "b7e1c2a4f9d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# fmt: off
SQLITE_SEARCH_DDL = (
    'DROP TABLE IF EXISTS search_index',
    "CREATE VIRTUAL TABLE search_index USING fts5(owner, title, body, parent_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    'DROP TRIGGER IF EXISTS search_index_contacts_insert',
    "CREATE TRIGGER search_index_contacts_insert AFTER INSERT ON contacts BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 1, 'o' || new.owner_id, new.full_name, new.title || ' ' || new.location || ' ' || coalesce(new.email, '') || ' ' || new.how_we_met || ' ' || new.notes, NULL; END",
    'DROP TRIGGER IF EXISTS search_index_contacts_update',
    "CREATE TRIGGER search_index_contacts_update AFTER UPDATE OF owner_id, full_name, title, location, email, how_we_met, notes ON contacts BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 1; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 1, 'o' || new.owner_id, new.full_name, new.title || ' ' || new.location || ' ' || coalesce(new.email, '') || ' ' || new.how_we_met || ' ' || new.notes, NULL; END",
    'DROP TRIGGER IF EXISTS search_index_contacts_delete',
    'CREATE TRIGGER search_index_contacts_delete AFTER DELETE ON contacts BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 1; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 1, 'o' || t.owner_id, t.full_name, t.title || ' ' || t.location || ' ' || coalesce(t.email, '') || ' ' || t.how_we_met || ' ' || t.notes, NULL FROM contacts AS t",
    'DROP TRIGGER IF EXISTS search_index_organizations_insert',
    "CREATE TRIGGER search_index_organizations_insert AFTER INSERT ON organizations BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 2, 'o' || new.owner_id, new.name, new.industry || ' ' || new.location || ' ' || coalesce(new.website, '') || ' ' || new.research_notes, NULL; END",
    'DROP TRIGGER IF EXISTS search_index_organizations_update',
    "CREATE TRIGGER search_index_organizations_update AFTER UPDATE OF owner_id, name, industry, location, website, research_notes ON organizations BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 2; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 2, 'o' || new.owner_id, new.name, new.industry || ' ' || new.location || ' ' || coalesce(new.website, '') || ' ' || new.research_notes, NULL; END",
    'DROP TRIGGER IF EXISTS search_index_organizations_delete',
    'CREATE TRIGGER search_index_organizations_delete AFTER DELETE ON organizations BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 2; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 2, 'o' || t.owner_id, t.name, t.industry || ' ' || t.location || ' ' || coalesce(t.website, '') || ' ' || t.research_notes, NULL FROM organizations AS t",
    'DROP TRIGGER IF EXISTS search_index_careers_insert',
    "CREATE TRIGGER search_index_careers_insert AFTER INSERT ON careers BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 3, 'o' || new.owner_id, new.title, new.industry || ' ' || new.research_notes || ' ' || coalesce((SELECT group_concat(coalesce(json_extract(x.value, '$.title'), '') || ' ' || coalesce(json_extract(x.value, '$.note'), '') || ' ' || coalesce(json_extract(x.value, '$.url'), ''), ' ') FROM json_each(new.resources) AS x), ''), NULL; END",
    'DROP TRIGGER IF EXISTS search_index_careers_update',
    "CREATE TRIGGER search_index_careers_update AFTER UPDATE OF owner_id, title, industry, research_notes, resources ON careers BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 3; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 3, 'o' || new.owner_id, new.title, new.industry || ' ' || new.research_notes || ' ' || coalesce((SELECT group_concat(coalesce(json_extract(x.value, '$.title'), '') || ' ' || coalesce(json_extract(x.value, '$.note'), '') || ' ' || coalesce(json_extract(x.value, '$.url'), ''), ' ') FROM json_each(new.resources) AS x), ''), NULL; END",
    'DROP TRIGGER IF EXISTS search_index_careers_delete',
    'CREATE TRIGGER search_index_careers_delete AFTER DELETE ON careers BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 3; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 3, 'o' || t.owner_id, t.title, t.industry || ' ' || t.research_notes || ' ' || coalesce((SELECT group_concat(coalesce(json_extract(x.value, '$.title'), '') || ' ' || coalesce(json_extract(x.value, '$.note'), '') || ' ' || coalesce(json_extract(x.value, '$.url'), ''), ' ') FROM json_each(t.resources) AS x), ''), NULL FROM careers AS t",
    'DROP TRIGGER IF EXISTS search_index_interviews_insert',
    "CREATE TRIGGER search_index_interviews_insert AFTER INSERT ON interviews BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 4, 'o' || new.owner_id, new.purpose, new.summary || ' ' || new.takeaways || ' ' || new.location, new.contact_id; END",
    'DROP TRIGGER IF EXISTS search_index_interviews_update',
    "CREATE TRIGGER search_index_interviews_update AFTER UPDATE OF owner_id, contact_id, purpose, location, summary, takeaways ON interviews BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 4; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 4, 'o' || new.owner_id, new.purpose, new.summary || ' ' || new.takeaways || ' ' || new.location, new.contact_id; END",
    'DROP TRIGGER IF EXISTS search_index_interviews_delete',
    'CREATE TRIGGER search_index_interviews_delete AFTER DELETE ON interviews BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 4; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 4, 'o' || t.owner_id, t.purpose, t.summary || ' ' || t.takeaways || ' ' || t.location, t.contact_id FROM interviews AS t",
    'DROP TRIGGER IF EXISTS search_index_interview_questions_insert',
    "CREATE TRIGGER search_index_interview_questions_insert AFTER INSERT ON interview_questions BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 5, 'o' || new.owner_id, new.text, new.answer_notes, new.interview_id WHERE new.answer_notes <> ''; END",
    'DROP TRIGGER IF EXISTS search_index_interview_questions_update',
    "CREATE TRIGGER search_index_interview_questions_update AFTER UPDATE OF owner_id, interview_id, text, answer_notes ON interview_questions BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 5; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 5, 'o' || new.owner_id, new.text, new.answer_notes, new.interview_id WHERE new.answer_notes <> ''; END",
    'DROP TRIGGER IF EXISTS search_index_interview_questions_delete',
    'CREATE TRIGGER search_index_interview_questions_delete AFTER DELETE ON interview_questions BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 5; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 5, 'o' || t.owner_id, t.text, t.answer_notes, t.interview_id FROM interview_questions AS t WHERE t.answer_notes <> ''",
    'DROP TRIGGER IF EXISTS search_index_questions_insert',
    "CREATE TRIGGER search_index_questions_insert AFTER INSERT ON questions BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 6, 'o' || coalesce(new.owner_id, 0), new.text, new.why_ask || ' ' || coalesce((SELECT group_concat(x.value, ' ') FROM json_each(new.tags) AS x), ''), new.bank_id; END",
    'DROP TRIGGER IF EXISTS search_index_questions_update',
    "CREATE TRIGGER search_index_questions_update AFTER UPDATE OF owner_id, bank_id, text, why_ask, tags ON questions BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 6; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 6, 'o' || coalesce(new.owner_id, 0), new.text, new.why_ask || ' ' || coalesce((SELECT group_concat(x.value, ' ') FROM json_each(new.tags) AS x), ''), new.bank_id; END",
    'DROP TRIGGER IF EXISTS search_index_questions_delete',
    'CREATE TRIGGER search_index_questions_delete AFTER DELETE ON questions BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 6; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 6, 'o' || coalesce(t.owner_id, 0), t.text, t.why_ask || ' ' || coalesce((SELECT group_concat(x.value, ' ') FROM json_each(t.tags) AS x), ''), t.bank_id FROM questions AS t",
    'DROP TRIGGER IF EXISTS search_index_interactions_insert',
    "CREATE TRIGGER search_index_interactions_insert AFTER INSERT ON interactions BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 7, 'o' || new.owner_id, new.kind, new.summary, new.contact_id; END",
    'DROP TRIGGER IF EXISTS search_index_interactions_update',
    "CREATE TRIGGER search_index_interactions_update AFTER UPDATE OF owner_id, contact_id, kind, summary ON interactions BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 7; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 7, 'o' || new.owner_id, new.kind, new.summary, new.contact_id; END",
    'DROP TRIGGER IF EXISTS search_index_interactions_delete',
    'CREATE TRIGGER search_index_interactions_delete AFTER DELETE ON interactions BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 7; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 7, 'o' || t.owner_id, t.kind, t.summary, t.contact_id FROM interactions AS t",
    'DROP TRIGGER IF EXISTS search_index_follow_ups_insert',
    "CREATE TRIGGER search_index_follow_ups_insert AFTER INSERT ON follow_ups BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 8, 'o' || new.owner_id, new.subject, new.message || ' ' || new.notes, new.contact_id; END",
    'DROP TRIGGER IF EXISTS search_index_follow_ups_update',
    "CREATE TRIGGER search_index_follow_ups_update AFTER UPDATE OF owner_id, contact_id, subject, message, notes ON follow_ups BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 8; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 8, 'o' || new.owner_id, new.subject, new.message || ' ' || new.notes, new.contact_id; END",
    'DROP TRIGGER IF EXISTS search_index_follow_ups_delete',
    'CREATE TRIGGER search_index_follow_ups_delete AFTER DELETE ON follow_ups BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 8; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 8, 'o' || t.owner_id, t.subject, t.message || ' ' || t.notes, t.contact_id FROM follow_ups AS t",
    'DROP TRIGGER IF EXISTS search_index_message_templates_insert',
    "CREATE TRIGGER search_index_message_templates_insert AFTER INSERT ON message_templates BEGIN INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 9, 'o' || coalesce(new.owner_id, 0), new.name, new.subject || ' ' || new.body, NULL; END",
    'DROP TRIGGER IF EXISTS search_index_message_templates_update',
    "CREATE TRIGGER search_index_message_templates_update AFTER UPDATE OF owner_id, name, subject, body ON message_templates BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 9; INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT new.id * 16 + 9, 'o' || coalesce(new.owner_id, 0), new.name, new.subject || ' ' || new.body, NULL; END",
    'DROP TRIGGER IF EXISTS search_index_message_templates_delete',
    'CREATE TRIGGER search_index_message_templates_delete AFTER DELETE ON message_templates BEGIN DELETE FROM search_index WHERE rowid = old.id * 16 + 9; END',
    "INSERT INTO search_index (rowid, owner, title, body, parent_id) SELECT t.id * 16 + 9, 'o' || coalesce(t.owner_id, 0), t.name, t.subject || ' ' || t.body, NULL FROM message_templates AS t",
)

POSTGRESQL_SEARCH_DDL = (
    'CREATE EXTENSION IF NOT EXISTS unaccent',
    'CREATE EXTENSION IF NOT EXISTS btree_gin',
    "DO $$ BEGIN\n        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'rapport_search') THEN\n            CREATE TEXT SEARCH CONFIGURATION rapport_search (COPY = simple);\n            ALTER TEXT SEARCH CONFIGURATION rapport_search ALTER MAPPING FOR\n                asciiword, word, numword, asciihword, hword, numhword,\n                hword_asciipart, hword_part, hword_numpart\n                WITH unaccent, simple;\n        END IF;\n    END $$",
    'DROP TABLE IF EXISTS search_index',
    "CREATE TABLE search_index (\n        kind smallint NOT NULL,\n        row_id integer NOT NULL,\n        owner_id integer NOT NULL,\n        parent_id integer,\n        title text NOT NULL,\n        body text NOT NULL,\n        document tsvector GENERATED ALWAYS AS (\n            setweight(to_tsvector('rapport_search'::regconfig, translate(title, '<>', '  ')), 'A')\n            || setweight(to_tsvector('rapport_search'::regconfig, translate(body, '<>', '  ')), 'B')\n        ) STORED,\n        CONSTRAINT search_index_pkey PRIMARY KEY (kind, row_id)\n    )",
    'CREATE INDEX search_index_owner_document ON search_index USING gin (owner_id, document)',
    'CREATE OR REPLACE FUNCTION search_index_truncate() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        DELETE FROM search_index WHERE kind = TG_ARGV[0]::smallint;\n        RETURN NULL;\n    END $$',
    "CREATE OR REPLACE FUNCTION search_index_contacts() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 1 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (1, NEW.id, NEW.owner_id, NULL, NEW.full_name, NEW.title || ' ' || NEW.location || ' ' || coalesce(NEW.email, '') || ' ' || NEW.how_we_met || ' ' || NEW.notes);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_contacts_change ON contacts',
    'CREATE TRIGGER search_index_contacts_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, full_name, title, location, email, how_we_met, notes ON contacts FOR EACH ROW EXECUTE FUNCTION search_index_contacts()',
    'DROP TRIGGER IF EXISTS search_index_contacts_truncate ON contacts',
    "CREATE TRIGGER search_index_contacts_truncate AFTER TRUNCATE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('1')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 1, t.id, t.owner_id, NULL, t.full_name, t.title || ' ' || t.location || ' ' || coalesce(t.email, '') || ' ' || t.how_we_met || ' ' || t.notes FROM contacts AS t",
    "CREATE OR REPLACE FUNCTION search_index_organizations() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 2 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (2, NEW.id, NEW.owner_id, NULL, NEW.name, NEW.industry || ' ' || NEW.location || ' ' || coalesce(NEW.website, '') || ' ' || NEW.research_notes);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_organizations_change ON organizations',
    'CREATE TRIGGER search_index_organizations_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, name, industry, location, website, research_notes ON organizations FOR EACH ROW EXECUTE FUNCTION search_index_organizations()',
    'DROP TRIGGER IF EXISTS search_index_organizations_truncate ON organizations',
    "CREATE TRIGGER search_index_organizations_truncate AFTER TRUNCATE ON organizations FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('2')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 2, t.id, t.owner_id, NULL, t.name, t.industry || ' ' || t.location || ' ' || coalesce(t.website, '') || ' ' || t.research_notes FROM organizations AS t",
    "CREATE OR REPLACE FUNCTION search_index_careers() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 3 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (3, NEW.id, NEW.owner_id, NULL, NEW.title, NEW.industry || ' ' || NEW.research_notes || ' ' || coalesce((SELECT string_agg(coalesce(x->>'title', '') || ' ' || coalesce(x->>'note', '') || ' ' || coalesce(x->>'url', ''), ' ') FROM json_array_elements(NEW.resources) AS x), ''));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_careers_change ON careers',
    'CREATE TRIGGER search_index_careers_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, title, industry, research_notes, resources ON careers FOR EACH ROW EXECUTE FUNCTION search_index_careers()',
    'DROP TRIGGER IF EXISTS search_index_careers_truncate ON careers',
    "CREATE TRIGGER search_index_careers_truncate AFTER TRUNCATE ON careers FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('3')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 3, t.id, t.owner_id, NULL, t.title, t.industry || ' ' || t.research_notes || ' ' || coalesce((SELECT string_agg(coalesce(x->>'title', '') || ' ' || coalesce(x->>'note', '') || ' ' || coalesce(x->>'url', ''), ' ') FROM json_array_elements(t.resources) AS x), '') FROM careers AS t",
    "CREATE OR REPLACE FUNCTION search_index_interviews() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 4 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (4, NEW.id, NEW.owner_id, NEW.contact_id, NEW.purpose, NEW.summary || ' ' || NEW.takeaways || ' ' || NEW.location);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_interviews_change ON interviews',
    'CREATE TRIGGER search_index_interviews_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, contact_id, purpose, location, summary, takeaways ON interviews FOR EACH ROW EXECUTE FUNCTION search_index_interviews()',
    'DROP TRIGGER IF EXISTS search_index_interviews_truncate ON interviews',
    "CREATE TRIGGER search_index_interviews_truncate AFTER TRUNCATE ON interviews FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('4')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 4, t.id, t.owner_id, t.contact_id, t.purpose, t.summary || ' ' || t.takeaways || ' ' || t.location FROM interviews AS t",
    "CREATE OR REPLACE FUNCTION search_index_interview_questions() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 5 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.answer_notes <> '' THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (5, NEW.id, NEW.owner_id, NEW.interview_id, NEW.text, NEW.answer_notes);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_interview_questions_change ON interview_questions',
    'CREATE TRIGGER search_index_interview_questions_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, interview_id, text, answer_notes ON interview_questions FOR EACH ROW EXECUTE FUNCTION search_index_interview_questions()',
    'DROP TRIGGER IF EXISTS search_index_interview_questions_truncate ON interview_questions',
    "CREATE TRIGGER search_index_interview_questions_truncate AFTER TRUNCATE ON interview_questions FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('5')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 5, t.id, t.owner_id, t.interview_id, t.text, t.answer_notes FROM interview_questions AS t WHERE t.answer_notes <> ''",
    "CREATE OR REPLACE FUNCTION search_index_questions() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 6 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (6, NEW.id, coalesce(NEW.owner_id, 0), NEW.bank_id, NEW.text, NEW.why_ask || ' ' || coalesce((SELECT string_agg(x, ' ') FROM json_array_elements_text(NEW.tags) AS x), ''));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_questions_change ON questions',
    'CREATE TRIGGER search_index_questions_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, bank_id, text, why_ask, tags ON questions FOR EACH ROW EXECUTE FUNCTION search_index_questions()',
    'DROP TRIGGER IF EXISTS search_index_questions_truncate ON questions',
    "CREATE TRIGGER search_index_questions_truncate AFTER TRUNCATE ON questions FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('6')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 6, t.id, coalesce(t.owner_id, 0), t.bank_id, t.text, t.why_ask || ' ' || coalesce((SELECT string_agg(x, ' ') FROM json_array_elements_text(t.tags) AS x), '') FROM questions AS t",
    "CREATE OR REPLACE FUNCTION search_index_interactions() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 7 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (7, NEW.id, NEW.owner_id, NEW.contact_id, NEW.kind, NEW.summary);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_interactions_change ON interactions',
    'CREATE TRIGGER search_index_interactions_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, contact_id, kind, summary ON interactions FOR EACH ROW EXECUTE FUNCTION search_index_interactions()',
    'DROP TRIGGER IF EXISTS search_index_interactions_truncate ON interactions',
    "CREATE TRIGGER search_index_interactions_truncate AFTER TRUNCATE ON interactions FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('7')",
    'INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 7, t.id, t.owner_id, t.contact_id, t.kind, t.summary FROM interactions AS t',
    "CREATE OR REPLACE FUNCTION search_index_follow_ups() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 8 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (8, NEW.id, NEW.owner_id, NEW.contact_id, NEW.subject, NEW.message || ' ' || NEW.notes);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_follow_ups_change ON follow_ups',
    'CREATE TRIGGER search_index_follow_ups_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, contact_id, subject, message, notes ON follow_ups FOR EACH ROW EXECUTE FUNCTION search_index_follow_ups()',
    'DROP TRIGGER IF EXISTS search_index_follow_ups_truncate ON follow_ups',
    "CREATE TRIGGER search_index_follow_ups_truncate AFTER TRUNCATE ON follow_ups FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('8')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 8, t.id, t.owner_id, t.contact_id, t.subject, t.message || ' ' || t.notes FROM follow_ups AS t",
    "CREATE OR REPLACE FUNCTION search_index_message_templates() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP IN ('UPDATE', 'DELETE') THEN\n            DELETE FROM search_index WHERE kind = 9 AND row_id = OLD.id;\n        END IF;\n        IF TG_OP IN ('INSERT', 'UPDATE') THEN\n            INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body)\n            VALUES (9, NEW.id, coalesce(NEW.owner_id, 0), NULL, NEW.name, NEW.subject || ' ' || NEW.body);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS search_index_message_templates_change ON message_templates',
    'CREATE TRIGGER search_index_message_templates_change AFTER INSERT OR DELETE OR UPDATE OF owner_id, name, subject, body ON message_templates FOR EACH ROW EXECUTE FUNCTION search_index_message_templates()',
    'DROP TRIGGER IF EXISTS search_index_message_templates_truncate ON message_templates',
    "CREATE TRIGGER search_index_message_templates_truncate AFTER TRUNCATE ON message_templates FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('9')",
    "INSERT INTO search_index (kind, row_id, owner_id, parent_id, title, body) SELECT 9, t.id, coalesce(t.owner_id, 0), NULL, t.name, t.subject || ' ' || t.body FROM message_templates AS t",
)

SQLITE_SEARCH_DROP = (
    'DROP TRIGGER IF EXISTS search_index_contacts_insert',
    'DROP TRIGGER IF EXISTS search_index_contacts_update',
    'DROP TRIGGER IF EXISTS search_index_contacts_delete',
    'DROP TRIGGER IF EXISTS search_index_organizations_insert',
    'DROP TRIGGER IF EXISTS search_index_organizations_update',
    'DROP TRIGGER IF EXISTS search_index_organizations_delete',
    'DROP TRIGGER IF EXISTS search_index_careers_insert',
    'DROP TRIGGER IF EXISTS search_index_careers_update',
    'DROP TRIGGER IF EXISTS search_index_careers_delete',
    'DROP TRIGGER IF EXISTS search_index_interviews_insert',
    'DROP TRIGGER IF EXISTS search_index_interviews_update',
    'DROP TRIGGER IF EXISTS search_index_interviews_delete',
    'DROP TRIGGER IF EXISTS search_index_interview_questions_insert',
    'DROP TRIGGER IF EXISTS search_index_interview_questions_update',
    'DROP TRIGGER IF EXISTS search_index_interview_questions_delete',
    'DROP TRIGGER IF EXISTS search_index_questions_insert',
    'DROP TRIGGER IF EXISTS search_index_questions_update',
    'DROP TRIGGER IF EXISTS search_index_questions_delete',
    'DROP TRIGGER IF EXISTS search_index_interactions_insert',
    'DROP TRIGGER IF EXISTS search_index_interactions_update',
    'DROP TRIGGER IF EXISTS search_index_interactions_delete',
    'DROP TRIGGER IF EXISTS search_index_follow_ups_insert',
    'DROP TRIGGER IF EXISTS search_index_follow_ups_update',
    'DROP TRIGGER IF EXISTS search_index_follow_ups_delete',
    'DROP TRIGGER IF EXISTS search_index_message_templates_insert',
    'DROP TRIGGER IF EXISTS search_index_message_templates_update',
    'DROP TRIGGER IF EXISTS search_index_message_templates_delete',
    'DROP TABLE IF EXISTS search_index',
)

# The unaccent and btree_gin extensions stay: other objects may come to use them.
POSTGRESQL_SEARCH_DROP = (
    'DROP TRIGGER IF EXISTS search_index_contacts_change ON contacts',
    'DROP TRIGGER IF EXISTS search_index_contacts_truncate ON contacts',
    'DROP FUNCTION IF EXISTS search_index_contacts()',
    'DROP TRIGGER IF EXISTS search_index_organizations_change ON organizations',
    'DROP TRIGGER IF EXISTS search_index_organizations_truncate ON organizations',
    'DROP FUNCTION IF EXISTS search_index_organizations()',
    'DROP TRIGGER IF EXISTS search_index_careers_change ON careers',
    'DROP TRIGGER IF EXISTS search_index_careers_truncate ON careers',
    'DROP FUNCTION IF EXISTS search_index_careers()',
    'DROP TRIGGER IF EXISTS search_index_interviews_change ON interviews',
    'DROP TRIGGER IF EXISTS search_index_interviews_truncate ON interviews',
    'DROP FUNCTION IF EXISTS search_index_interviews()',
    'DROP TRIGGER IF EXISTS search_index_interview_questions_change ON interview_questions',
    'DROP TRIGGER IF EXISTS search_index_interview_questions_truncate ON interview_questions',
    'DROP FUNCTION IF EXISTS search_index_interview_questions()',
    'DROP TRIGGER IF EXISTS search_index_questions_change ON questions',
    'DROP TRIGGER IF EXISTS search_index_questions_truncate ON questions',
    'DROP FUNCTION IF EXISTS search_index_questions()',
    'DROP TRIGGER IF EXISTS search_index_interactions_change ON interactions',
    'DROP TRIGGER IF EXISTS search_index_interactions_truncate ON interactions',
    'DROP FUNCTION IF EXISTS search_index_interactions()',
    'DROP TRIGGER IF EXISTS search_index_follow_ups_change ON follow_ups',
    'DROP TRIGGER IF EXISTS search_index_follow_ups_truncate ON follow_ups',
    'DROP FUNCTION IF EXISTS search_index_follow_ups()',
    'DROP TRIGGER IF EXISTS search_index_message_templates_change ON message_templates',
    'DROP TRIGGER IF EXISTS search_index_message_templates_truncate ON message_templates',
    'DROP FUNCTION IF EXISTS search_index_message_templates()',
    'DROP FUNCTION IF EXISTS search_index_truncate()',
    'DROP TABLE IF EXISTS search_index',
    'DROP TEXT SEARCH CONFIGURATION IF EXISTS rapport_search',
)
# fmt: on


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_SEARCH_DDL if sqlite else POSTGRESQL_SEARCH_DDL:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_SEARCH_DROP if sqlite else POSTGRESQL_SEARCH_DROP:
        op.execute(statement)
