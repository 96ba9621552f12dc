"""The index person search blocks on (registry/search.py): each name's phonetic codes
(its ``phonetic`` key is its words' codes, sorted and space-separated) together with the
birth year of the record the name came with, a new column filled here from the person.

PostgreSQL: a GIN index on the codes plus one ``y<year>`` element (``y?`` when the year is
unknown), so that "has every code, born in one of these years" is one index lookup.
SQLite: an FTS5 table with two columns, the codes and the year (``unknown`` when not
known), kept in step with registry_personname by triggers like the trigram table of 0002.
"""

from django.db import migrations, models

PG_CODES = "(string_to_array(phonetic, ' ') || ('y' || coalesce(birth_year::text, '?')))"
PG_FORWARD = [
    "UPDATE registry_personname n SET birth_year = EXTRACT(YEAR FROM p.birth_date) "
    "FROM registry_person p WHERE p.id = n.person_id AND p.birth_date IS NOT NULL",
    f"CREATE INDEX IF NOT EXISTS personname_codes_gin ON registry_personname USING gin ({PG_CODES})",
]
PG_REVERSE = ["DROP INDEX IF EXISTS personname_codes_gin"]

SQLITE_FORWARD = [
    "UPDATE registry_personname SET birth_year = (SELECT CAST(strftime('%Y', p.birth_date) "
    "AS INTEGER) FROM registry_person p WHERE p.id = registry_personname.person_id)",
    # External content, but the year column holds 'unknown' where the table has NULL:
    # never 'rebuild' this index; the triggers and the INSERT below write what it holds.
    "CREATE VIRTUAL TABLE registry_personname_codes USING fts5("
    "phonetic, birth_year, content='registry_personname', content_rowid='id', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '''-'\")",
    "INSERT INTO registry_personname_codes(rowid, phonetic, birth_year) "
    "SELECT id, phonetic, coalesce(birth_year, 'unknown') FROM registry_personname",
    "CREATE TRIGGER registry_personname_codes_insert AFTER INSERT ON registry_personname "
    "BEGIN INSERT INTO registry_personname_codes(rowid, phonetic, birth_year) "
    "VALUES (new.id, new.phonetic, coalesce(new.birth_year, 'unknown')); END",
    "CREATE TRIGGER registry_personname_codes_delete AFTER DELETE ON registry_personname "
    "BEGIN INSERT INTO registry_personname_codes"
    "(registry_personname_codes, rowid, phonetic, birth_year) "
    "VALUES ('delete', old.id, old.phonetic, coalesce(old.birth_year, 'unknown')); END",
    "CREATE TRIGGER registry_personname_codes_update AFTER UPDATE OF phonetic, birth_year "
    "ON registry_personname BEGIN INSERT INTO registry_personname_codes"
    "(registry_personname_codes, rowid, phonetic, birth_year) "
    "VALUES ('delete', old.id, old.phonetic, coalesce(old.birth_year, 'unknown')); "
    "INSERT INTO registry_personname_codes(rowid, phonetic, birth_year) "
    "VALUES (new.id, new.phonetic, coalesce(new.birth_year, 'unknown')); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_personname_codes_insert",
    "DROP TRIGGER IF EXISTS registry_personname_codes_delete",
    "DROP TRIGGER IF EXISTS registry_personname_codes_update",
    "DROP TABLE IF EXISTS registry_personname_codes",
]


def _run(schema_editor, postgresql, sqlite):
    vendor = schema_editor.connection.vendor
    for statement in postgresql if vendor == "postgresql" else sqlite if vendor == "sqlite" else []:
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, PG_FORWARD, SQLITE_FORWARD)


def reverse(apps, schema_editor):
    _run(schema_editor, PG_REVERSE, SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_person_merge")]
    operations = [
        migrations.AddField(
            model_name="personname",
            name="birth_year",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(forward, reverse),
    ]
