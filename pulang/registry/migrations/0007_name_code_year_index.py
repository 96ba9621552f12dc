"""PostgreSQL only: the name-code index gets one element per code *and* birth year, and
the trigram index on the folded name goes.

- 0006 indexed each name's codes plus one ``y<year>`` element, so "has this code, born in
  one of these years" made GIN union the posting lists of five or six whole years (a
  fifth of the registry) for every code queried: 30-40 ms a query at 1,000,000 people,
  however rare the code. Now each code also appears as ``<code>:<year>`` (``<code>:?``
  when the year is unknown), and that question reads only the code's own entries for
  those years (registry/search.py, ``_codes_predicate``).
- pg_trgm takes the trigrams of each word apart, so a name and its words sorted have the
  same trigrams and the same similarity to any query: the index on ``folded`` answered
  exactly what the index on ``sorted_tokens`` answers, and cost every new name its
  trigrams twice.

SQLite keeps its FTS5 tables (0002, 0006).
"""

from django.db import migrations

OLD_CODES = "(string_to_array(phonetic, ' ') || ('y' || coalesce(birth_year::text, '?')))"
# Written exactly as registry/search.py writes it (``_PG_CODES``), or no query uses it.
CODES = (
    "(string_to_array(phonetic, ' ') || string_to_array(replace(nullif(phonetic, ''), ' ', "
    "':' || coalesce(birth_year::text, '?') || ' ') || ':' || coalesce(birth_year::text, '?'), "
    "' '))"
)
FORWARD = [
    "CREATE INDEX IF NOT EXISTS personname_code_years_gin ON registry_personname "
    f"USING gin ({CODES})",
    "DROP INDEX IF EXISTS personname_codes_gin",
    "DROP INDEX IF EXISTS personname_folded_trgm",
]
REVERSE = [
    "CREATE INDEX IF NOT EXISTS personname_folded_trgm ON registry_personname "
    "USING gin (folded gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS personname_codes_gin ON registry_personname USING gin ({OLD_CODES})",
    "DROP INDEX IF EXISTS personname_code_years_gin",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def reverse(apps, schema_editor):
    _run(schema_editor, REVERSE)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_name_code_index")]
    operations = [migrations.RunPython(forward, reverse)]
