"""Writing a batch of rows: PostgreSQL ``COPY``, SQLite ``executemany``, and ``bulk_create``
for any other database. Rows arrive as tuples in the column order of ``records``."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from pulang.registry.models import (
    Consent,
    Identifier,
    MigrationEpisode,
    Person,
    PersonName,
    Return,
)
from pulang.registry.synthetic.records import Row, Rows

MODELS: dict[str, type[models.Model]] = {
    "person": Person,
    "personname": PersonName,
    "identifier": Identifier,
    "migrationepisode": MigrationEpisode,
    "return": Return,
    "consent": Consent,
}
# Tables whose primary keys the generator assigns (children refer to them).
NUMBERED: tuple[type[models.Model], ...] = (Person, MigrationEpisode)


def next_ids() -> tuple[int, int]:
    """The first free person and episode ids."""
    person = Person.objects.aggregate(top=Max("id"))["top"] or 0
    episode = MigrationEpisode.objects.aggregate(top=Max("id"))["top"] or 0
    return person + 1, episode + 1


def has_people() -> bool:
    return Person.objects.exists()


def prepare() -> None:
    """Give SQLite a page cache big enough for index inserts at a million rows (the default
    is 2 MiB); the setting lasts as long as this connection."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")


def wants_aware_datetimes() -> bool:
    # SQLite stores naive UTC text; PostgreSQL takes aware values through COPY.
    return connection.vendor != "sqlite"


def write(rows: Rows) -> int:
    """Insert one batch (the caller holds the transaction); returns how many rows."""
    count = 0
    for key, columns, table_rows in rows.tables():
        if not table_rows:
            continue
        model = MODELS[key]
        if connection.vendor == "postgresql":
            _copy(model, columns, table_rows)
        elif connection.vendor == "sqlite":
            _executemany(model, columns, table_rows)
        else:
            _bulk_create(model, columns, table_rows)
        count += len(table_rows)
    return count


def reset_sequences() -> None:
    """Move the id sequences past the ids written here (PostgreSQL; SQLite's AUTOINCREMENT
    follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(NUMBERED))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _columns(model: type[models.Model], attnames: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    column = {f.attname: f.column for f in model._meta.concrete_fields}
    return ", ".join(quote(column[name]) for name in attnames)


def _copy(model: type[models.Model], attnames: tuple[str, ...], rows: list[Row]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({_columns(model, attnames)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(model: type[models.Model], attnames: tuple[str, ...], rows: list[Row]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(attnames))
    # Table and column names come from the models, quoted; values are parameters.
    sql = f"INSERT INTO {table} ({_columns(model, attnames)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, cast(Any, rows))


def _bulk_create(model: type[models.Model], attnames: tuple[str, ...], rows: list[Row]) -> None:
    json_fields = {
        f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)
    }
    objects = []
    for row in rows:
        values: dict[str, Any] = dict(zip(attnames, row, strict=True))
        for name in json_fields & values.keys():
            values[name] = json.loads(str(values[name]))
        objects.append(model(**values))
    model._default_manager.bulk_create(objects, batch_size=500)
