"""Name search indexes, one per database (the portable path is in registry/search.py).

PostgreSQL: pg_trgm GIN indexes on the folded and token-sorted names (trigram similarity,
`%` operator). SQLite: an FTS5 table with the trigram tokenizer, kept in step with
registry_personname by triggers.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS personname_folded_trgm ON registry_personname "
    "USING gin (folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS personname_sorted_trgm ON registry_personname "
    "USING gin (sorted_tokens gin_trgm_ops)",
]
PG_REVERSE = [
    "DROP INDEX IF EXISTS personname_folded_trgm",
    "DROP INDEX IF EXISTS personname_sorted_trgm",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE registry_personname_fts USING fts5("
    "folded, sorted_tokens, content='registry_personname', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER registry_personname_fts_insert AFTER INSERT ON registry_personname BEGIN "
    "INSERT INTO registry_personname_fts(rowid, folded, sorted_tokens) "
    "VALUES (new.id, new.folded, new.sorted_tokens); END",
    "CREATE TRIGGER registry_personname_fts_delete AFTER DELETE ON registry_personname BEGIN "
    "INSERT INTO registry_personname_fts(registry_personname_fts, rowid, folded, sorted_tokens) "
    "VALUES ('delete', old.id, old.folded, old.sorted_tokens); END",
    "CREATE TRIGGER registry_personname_fts_update AFTER UPDATE ON registry_personname BEGIN "
    "INSERT INTO registry_personname_fts(registry_personname_fts, rowid, folded, sorted_tokens) "
    "VALUES ('delete', old.id, old.folded, old.sorted_tokens); "
    "INSERT INTO registry_personname_fts(rowid, folded, sorted_tokens) "
    "VALUES (new.id, new.folded, new.sorted_tokens); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_personname_fts_insert",
    "DROP TRIGGER IF EXISTS registry_personname_fts_delete",
    "DROP TRIGGER IF EXISTS registry_personname_fts_update",
    "DROP TABLE IF EXISTS registry_personname_fts",
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
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
