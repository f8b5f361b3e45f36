"""The dashboard's version stamp and the triggers that move it (issues 17 and 10).

Revision ID: b3c5d7e9f1a2
Revises: f7a1b5c9d4e8
Create Date: 2026-11-26 19:30:00

One row per user in dashboard_stamps, moved by triggers on every table the dashboard's figures
read (app/dashboard/models.py), so a worker serves the figures it computed while the stamp
holds. Existing users get a random start, as new users do from the trigger on users. The
statements are literal copies of app/dashboard/models.py at this revision, so this file never
changes when that module does.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "b3c5d7e9f1a2"
down_revision: str | None = "f7a1b5c9d4e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# fmt: off
SQLITE_STAMP_DDL = (
    'DROP TRIGGER IF EXISTS users_dashboard_stamp',
    'CREATE TRIGGER users_dashboard_stamp AFTER INSERT ON users BEGIN\n        INSERT INTO dashboard_stamps (owner_id, version) VALUES (new.id, (random() >> 2) & 4611686018427387903)\n        ON CONFLICT (owner_id) DO UPDATE SET version = excluded.version;\n    END',
    'DROP TRIGGER IF EXISTS careers_dashboard_insert',
    'CREATE TRIGGER careers_dashboard_insert AFTER INSERT ON careers BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = new.owner_id; END',
    'DROP TRIGGER IF EXISTS careers_dashboard_delete',
    'CREATE TRIGGER careers_dashboard_delete AFTER DELETE ON careers BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = old.owner_id; END',
    'DROP TRIGGER IF EXISTS careers_dashboard_update',
    'CREATE TRIGGER careers_dashboard_update AFTER UPDATE OF owner_id, title, status, interest ON careers WHEN old.owner_id IS NOT new.owner_id OR old.title IS NOT new.title OR old.status IS NOT new.status OR old.interest IS NOT new.interest BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id IN (old.owner_id, new.owner_id); END',
    'DROP TRIGGER IF EXISTS organizations_dashboard_insert',
    'CREATE TRIGGER organizations_dashboard_insert AFTER INSERT ON organizations BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = new.owner_id; END',
    'DROP TRIGGER IF EXISTS organizations_dashboard_delete',
    'CREATE TRIGGER organizations_dashboard_delete AFTER DELETE ON organizations BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = old.owner_id; END',
    'DROP TRIGGER IF EXISTS organizations_dashboard_update',
    'CREATE TRIGGER organizations_dashboard_update AFTER UPDATE OF owner_id ON organizations WHEN old.owner_id IS NOT new.owner_id BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id IN (old.owner_id, new.owner_id); END',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_insert',
    'CREATE TRIGGER question_banks_dashboard_insert AFTER INSERT ON question_banks BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = new.owner_id; END',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_delete',
    'CREATE TRIGGER question_banks_dashboard_delete AFTER DELETE ON question_banks BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = old.owner_id; END',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_update',
    'CREATE TRIGGER question_banks_dashboard_update AFTER UPDATE OF owner_id ON question_banks WHEN old.owner_id IS NOT new.owner_id BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id IN (old.owner_id, new.owner_id); END',
    'DROP TRIGGER IF EXISTS interviews_dashboard_insert',
    'CREATE TRIGGER interviews_dashboard_insert AFTER INSERT ON interviews BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = new.owner_id; END',
    'DROP TRIGGER IF EXISTS interviews_dashboard_delete',
    'CREATE TRIGGER interviews_dashboard_delete AFTER DELETE ON interviews BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = old.owner_id; END',
    'DROP TRIGGER IF EXISTS interviews_dashboard_update',
    'CREATE TRIGGER interviews_dashboard_update AFTER UPDATE OF owner_id, status, scheduled_at, confidence, career_id ON interviews WHEN old.owner_id IS NOT new.owner_id OR old.status IS NOT new.status OR old.scheduled_at IS NOT new.scheduled_at OR old.confidence IS NOT new.confidence OR old.career_id IS NOT new.career_id BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id IN (old.owner_id, new.owner_id); END',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_insert',
    'CREATE TRIGGER follow_ups_dashboard_insert AFTER INSERT ON follow_ups BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = new.owner_id; END',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_delete',
    'CREATE TRIGGER follow_ups_dashboard_delete AFTER DELETE ON follow_ups BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = old.owner_id; END',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_update',
    'CREATE TRIGGER follow_ups_dashboard_update AFTER UPDATE OF owner_id, status, interview_id, contact_id ON follow_ups WHEN old.owner_id IS NOT new.owner_id OR old.status IS NOT new.status OR old.interview_id IS NOT new.interview_id OR old.contact_id IS NOT new.contact_id BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id IN (old.owner_id, new.owner_id); END',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_insert',
    'CREATE TRIGGER contact_careers_dashboard_insert AFTER INSERT ON contact_careers BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = (SELECT c.owner_id FROM careers AS c WHERE c.id = new.career_id); END',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_delete',
    'CREATE TRIGGER contact_careers_dashboard_delete AFTER DELETE ON contact_careers BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id = (SELECT c.owner_id FROM careers AS c WHERE c.id = old.career_id); END',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_update',
    'CREATE TRIGGER contact_careers_dashboard_update AFTER UPDATE OF contact_id, career_id ON contact_careers WHEN old.contact_id IS NOT new.contact_id OR old.career_id IS NOT new.career_id BEGIN UPDATE dashboard_stamps SET version = version + 1 WHERE owner_id IN ((SELECT c.owner_id FROM careers AS c WHERE c.id = old.career_id), (SELECT c.owner_id FROM careers AS c WHERE c.id = new.career_id)); END',
)

POSTGRESQL_STAMP_DDL = (
    'CREATE OR REPLACE FUNCTION users_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        INSERT INTO dashboard_stamps (owner_id, version) VALUES (NEW.id, floor(random() * 4611686018427387904)::bigint)\n        ON CONFLICT (owner_id) DO UPDATE SET version = excluded.version;\n        RETURN NULL;\n    END $$',
    'DROP TRIGGER IF EXISTS users_dashboard_stamp ON users',
    'CREATE TRIGGER users_dashboard_stamp AFTER INSERT ON users\n    FOR EACH ROW EXECUTE FUNCTION users_dashboard_stamp()',
    "CREATE OR REPLACE FUNCTION careers_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP = 'INSERT' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT n.owner_id FROM new_rows AS n);\n        ELSIF TG_OP = 'DELETE' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o);\n        ELSE\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id, o.title, o.status, o.interest) IS DISTINCT FROM (n.owner_id, n.title, n.status, n.interest) UNION SELECT n.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id, o.title, o.status, o.interest) IS DISTINCT FROM (n.owner_id, n.title, n.status, n.interest));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS careers_dashboard_insert ON careers',
    'CREATE TRIGGER careers_dashboard_insert AFTER INSERT ON careers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION careers_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS careers_dashboard_update ON careers',
    'CREATE TRIGGER careers_dashboard_update AFTER UPDATE ON careers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION careers_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS careers_dashboard_delete ON careers',
    'CREATE TRIGGER careers_dashboard_delete AFTER DELETE ON careers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION careers_dashboard_stamp()',
    "CREATE OR REPLACE FUNCTION organizations_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP = 'INSERT' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT n.owner_id FROM new_rows AS n);\n        ELSIF TG_OP = 'DELETE' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o);\n        ELSE\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id) IS DISTINCT FROM (n.owner_id) UNION SELECT n.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id) IS DISTINCT FROM (n.owner_id));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS organizations_dashboard_insert ON organizations',
    'CREATE TRIGGER organizations_dashboard_insert AFTER INSERT ON organizations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION organizations_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS organizations_dashboard_update ON organizations',
    'CREATE TRIGGER organizations_dashboard_update AFTER UPDATE ON organizations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION organizations_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS organizations_dashboard_delete ON organizations',
    'CREATE TRIGGER organizations_dashboard_delete AFTER DELETE ON organizations REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION organizations_dashboard_stamp()',
    "CREATE OR REPLACE FUNCTION question_banks_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP = 'INSERT' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT n.owner_id FROM new_rows AS n);\n        ELSIF TG_OP = 'DELETE' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o);\n        ELSE\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id) IS DISTINCT FROM (n.owner_id) UNION SELECT n.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id) IS DISTINCT FROM (n.owner_id));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS question_banks_dashboard_insert ON question_banks',
    'CREATE TRIGGER question_banks_dashboard_insert AFTER INSERT ON question_banks REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION question_banks_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_update ON question_banks',
    'CREATE TRIGGER question_banks_dashboard_update AFTER UPDATE ON question_banks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION question_banks_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_delete ON question_banks',
    'CREATE TRIGGER question_banks_dashboard_delete AFTER DELETE ON question_banks REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION question_banks_dashboard_stamp()',
    "CREATE OR REPLACE FUNCTION interviews_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP = 'INSERT' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT n.owner_id FROM new_rows AS n);\n        ELSIF TG_OP = 'DELETE' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o);\n        ELSE\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id, o.status, o.scheduled_at, o.confidence, o.career_id) IS DISTINCT FROM (n.owner_id, n.status, n.scheduled_at, n.confidence, n.career_id) UNION SELECT n.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id, o.status, o.scheduled_at, o.confidence, o.career_id) IS DISTINCT FROM (n.owner_id, n.status, n.scheduled_at, n.confidence, n.career_id));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS interviews_dashboard_insert ON interviews',
    'CREATE TRIGGER interviews_dashboard_insert AFTER INSERT ON interviews REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION interviews_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS interviews_dashboard_update ON interviews',
    'CREATE TRIGGER interviews_dashboard_update AFTER UPDATE ON interviews REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION interviews_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS interviews_dashboard_delete ON interviews',
    'CREATE TRIGGER interviews_dashboard_delete AFTER DELETE ON interviews REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION interviews_dashboard_stamp()',
    "CREATE OR REPLACE FUNCTION follow_ups_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP = 'INSERT' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT n.owner_id FROM new_rows AS n);\n        ELSIF TG_OP = 'DELETE' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o);\n        ELSE\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT o.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id, o.status, o.interview_id, o.contact_id) IS DISTINCT FROM (n.owner_id, n.status, n.interview_id, n.contact_id) UNION SELECT n.owner_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE (o.owner_id, o.status, o.interview_id, o.contact_id) IS DISTINCT FROM (n.owner_id, n.status, n.interview_id, n.contact_id));\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_insert ON follow_ups',
    'CREATE TRIGGER follow_ups_dashboard_insert AFTER INSERT ON follow_ups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_update ON follow_ups',
    'CREATE TRIGGER follow_ups_dashboard_update AFTER UPDATE ON follow_ups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_delete ON follow_ups',
    'CREATE TRIGGER follow_ups_dashboard_delete AFTER DELETE ON follow_ups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_dashboard_stamp()',
    "CREATE OR REPLACE FUNCTION contact_careers_dashboard_stamp() RETURNS trigger\n    LANGUAGE plpgsql AS $$\n    BEGIN\n        IF TG_OP = 'INSERT' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT (SELECT c.owner_id FROM careers AS c WHERE c.id = n.career_id) FROM new_rows AS n);\n        ELSIF TG_OP = 'DELETE' THEN\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT (SELECT c.owner_id FROM careers AS c WHERE c.id = o.career_id) FROM old_rows AS o);\n        ELSE\n            UPDATE dashboard_stamps SET version = version + 1 WHERE xmin::text::bigint <> mod(txid_current(), 4294967296) AND owner_id IN (SELECT (SELECT c.owner_id FROM careers AS c WHERE c.id = o.career_id) FROM old_rows AS o UNION SELECT (SELECT c.owner_id FROM careers AS c WHERE c.id = n.career_id) FROM new_rows AS n);\n        END IF;\n        RETURN NULL;\n    END $$",
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_insert ON contact_careers',
    'CREATE TRIGGER contact_careers_dashboard_insert AFTER INSERT ON contact_careers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_careers_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_update ON contact_careers',
    'CREATE TRIGGER contact_careers_dashboard_update AFTER UPDATE ON contact_careers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_careers_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_delete ON contact_careers',
    'CREATE TRIGGER contact_careers_dashboard_delete AFTER DELETE ON contact_careers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_careers_dashboard_stamp()',
)

SQLITE_DROP = (
    'DROP TRIGGER IF EXISTS users_dashboard_stamp',
    'DROP TRIGGER IF EXISTS careers_dashboard_insert',
    'DROP TRIGGER IF EXISTS careers_dashboard_update',
    'DROP TRIGGER IF EXISTS careers_dashboard_delete',
    'DROP TRIGGER IF EXISTS organizations_dashboard_insert',
    'DROP TRIGGER IF EXISTS organizations_dashboard_update',
    'DROP TRIGGER IF EXISTS organizations_dashboard_delete',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_insert',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_update',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_delete',
    'DROP TRIGGER IF EXISTS interviews_dashboard_insert',
    'DROP TRIGGER IF EXISTS interviews_dashboard_update',
    'DROP TRIGGER IF EXISTS interviews_dashboard_delete',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_insert',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_update',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_delete',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_insert',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_update',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_delete',
)

POSTGRESQL_DROP = (
    'DROP TRIGGER IF EXISTS users_dashboard_stamp ON users',
    'DROP FUNCTION IF EXISTS users_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS careers_dashboard_insert ON careers',
    'DROP TRIGGER IF EXISTS careers_dashboard_update ON careers',
    'DROP TRIGGER IF EXISTS careers_dashboard_delete ON careers',
    'DROP FUNCTION IF EXISTS careers_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS organizations_dashboard_insert ON organizations',
    'DROP TRIGGER IF EXISTS organizations_dashboard_update ON organizations',
    'DROP TRIGGER IF EXISTS organizations_dashboard_delete ON organizations',
    'DROP FUNCTION IF EXISTS organizations_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_insert ON question_banks',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_update ON question_banks',
    'DROP TRIGGER IF EXISTS question_banks_dashboard_delete ON question_banks',
    'DROP FUNCTION IF EXISTS question_banks_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS interviews_dashboard_insert ON interviews',
    'DROP TRIGGER IF EXISTS interviews_dashboard_update ON interviews',
    'DROP TRIGGER IF EXISTS interviews_dashboard_delete ON interviews',
    'DROP FUNCTION IF EXISTS interviews_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_insert ON follow_ups',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_update ON follow_ups',
    'DROP TRIGGER IF EXISTS follow_ups_dashboard_delete ON follow_ups',
    'DROP FUNCTION IF EXISTS follow_ups_dashboard_stamp()',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_insert ON contact_careers',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_update ON contact_careers',
    'DROP TRIGGER IF EXISTS contact_careers_dashboard_delete ON contact_careers',
    'DROP FUNCTION IF EXISTS contact_careers_dashboard_stamp()',
)
# fmt: on

# Every existing user starts at a random point, as a new one does (see the users trigger).
START = {
    "sqlite": "(random() >> 2) & 4611686018427387903",
    "postgresql": "floor(random() * 4611686018427387904)::bigint",
}


def upgrade() -> None:
    op.create_table(
        "dashboard_stamps",
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_dashboard_stamps_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_dashboard_stamps")),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_STAMP_DDL if dialect == "sqlite" else POSTGRESQL_STAMP_DDL:
        op.execute(statement)
    op.execute(
        f"INSERT INTO dashboard_stamps (owner_id, version) SELECT id, {START[dialect]} FROM users"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DROP if dialect == "sqlite" else POSTGRESQL_DROP:
        op.execute(statement)
    op.drop_table("dashboard_stamps")
