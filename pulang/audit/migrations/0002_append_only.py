"""Make the audit log append-only in the database itself: UPDATE and DELETE are refused.

PostgreSQL: row triggers. TRUNCATE (which only the database owner may run, and which
Django's test flush uses) is not a row operation and is not blocked.
SQLite: row triggers, lifted only while ``audit_purge_permit`` holds a row. That table is
not a model, so nothing in the application writes it; the test suite does, so that its
flush between tests can empty the log. Whoever holds the database file can do anything
to it anyway; the triggers stop the application, not the file's owner.
"""

from django.db import migrations

TABLE = "audit_auditevent"

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION pulang_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION pulang_audit_append_only();
CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION pulang_audit_append_only();
"""
POSTGRESQL_REVERSE = f"""
DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS pulang_audit_append_only();
"""
_NO_PERMIT = "WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)"
SQLITE_FORWARD = [
    "CREATE TABLE audit_purge_permit (reason TEXT NOT NULL);",
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} {_NO_PERMIT} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} {_NO_PERMIT} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
    "DROP TABLE IF EXISTS audit_purge_permit;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
