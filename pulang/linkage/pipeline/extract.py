"""Reading the registry into the raw linkage tables (frame.py), by raw SQL through a
streaming cursor: a million persons never become a million ORM objects.

Persons who have been erased, or merged into another person, are left out: they are no
longer anyone to link. The matching keys are the ones the registry stored at write time
(``PersonName.folded``, ``sorted_tokens``, ``phonetic``).

This reads registry tables directly: the registry has no bulk read for linkage (a
selector returning raw rows would be its place), and a linkage run acts for the system,
not for a user in a scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

from pulang.geo.models import AdminArea
from pulang.linkage.errors import BatchNotImported, UnknownBatch
from pulang.linkage.pipeline.frame import RawTables
from pulang.registry.imports.models import ImportBatch
from pulang.registry.models import Identifier, IntakeRecord, Person, PersonName

CHUNK = 20_000
# Which name gives the whole-name keys: the one used in Pulang, then other spellings, then
# the name in the person's own script.
NAME_RANK = {
    PersonName.Kind.PRIMARY.value: 0,
    PersonName.Kind.ALIAS.value: 1,
    PersonName.Kind.PREVIOUS.value: 1,
    PersonName.Kind.NATIVE_SCRIPT.value: 2,
}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: Any, field: str) -> str:
    return _q(model._meta.get_field(field).column)


def _live_persons(alias: str) -> str:
    """SQL condition: the person is neither erased nor merged into another."""
    return (
        f"{alias}.{_column(Person, 'erased_at')} IS NULL "
        f"AND {alias}.{_column(Person, 'merged_into')} IS NULL"
    )


def _stream(sql: str, params: Sequence[Any] = ()) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in chunks, through a server-side cursor on PostgreSQL."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                return
            yield rows


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _province(path: str | None) -> str | None:
    """The level-1 code of an area path (``ID/ID-JI/35.07/`` → ``ID-JI``)."""
    if not path:
        return None
    parts = [part for part in path.split("/") if part]
    return parts[1] if len(parts) > 1 else None


def batch_person_ids(batch_id: int) -> set[int]:
    """The persons an import batch created or linked reports to. Its intake records are
    the organisation's imported reports received while the batch was being imported."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise UnknownBatch(id=batch_id)
    if batch.status != ImportBatch.Status.DONE or batch.started_at is None:
        raise BatchNotImported(id=batch_id)
    finished = batch.finished_at or batch.started_at
    return set(
        IntakeRecord.objects.filter(
            channel="import",
            organisation_id=batch.organisation_id,
            received_at__gte=batch.started_at,
            received_at__lte=finished,
            person__isnull=False,
        ).values_list("person_id", flat=True)
    )


def registry_tables(*, scope: set[int] | None = None) -> RawTables:
    """The raw tables of every live person; ``scope`` marks the persons of a batch."""
    raw = RawTables()
    person, area = _q(Person._meta.db_table), _q(AdminArea._meta.db_table)
    p = {name: _column(Person, name) for name in (
        "id", "sex", "birth_date", "birth_date_precision", "phone", "address", "home_area",
        "is_restricted",
    )}  # fmt: skip
    records_sql = (
        f"SELECT p.{p['id']}, p.{p['sex']}, p.{p['birth_date']}, "  # noqa: S608 - names quoted
        f"p.{p['birth_date_precision']}, p.{p['phone']}, p.{p['address']}, "
        f"a.{_column(AdminArea, 'code')}, a.{_column(AdminArea, 'path')}, "
        f"p.{p['is_restricted']} "
        f"FROM {person} p LEFT JOIN {area} a ON a.{_column(AdminArea, 'id')} = p.{p['home_area']} "
        f"WHERE {_live_persons('p')} ORDER BY p.{p['id']}"
    )
    for rows in _stream(records_sql):
        raw.add_records(
            [
                (
                    pk, sex, _date(birth), precision, phone, address, code, _province(path),
                    bool(restricted), scope is None or pk in scope,
                )
                for pk, sex, birth, precision, phone, address, code, path, restricted in rows
            ]
        )  # fmt: skip
    name = _q(PersonName._meta.db_table)
    n = {
        f: _column(PersonName, f) for f in ("person", "kind", "folded", "sorted_tokens", "phonetic")
    }
    names_sql = (
        f"SELECT n.{n['person']}, n.{n['kind']}, n.{n['folded']}, "  # noqa: S608 - names quoted
        f"n.{n['sorted_tokens']}, n.{n['phonetic']} "
        f"FROM {name} n JOIN {person} p ON p.{p['id']} = n.{n['person']} "
        f"WHERE {_live_persons('p')}"
    )
    for rows in _stream(names_sql):
        raw.add_names(
            [
                (pk, NAME_RANK.get(kind, 1), folded, sorted_tokens, phonetic)
                for pk, kind, folded, sorted_tokens, phonetic in rows
            ]
        )
    identifier = _q(Identifier._meta.db_table)
    i = {f: _column(Identifier, f) for f in ("person", "number", "verified")}
    identifiers_sql = (
        f"SELECT i.{i['person']}, i.{i['number']}, i.{i['verified']} "  # noqa: S608 - quoted
        f"FROM {identifier} i JOIN {person} p ON p.{p['id']} = i.{i['person']} "
        f"WHERE {_live_persons('p')}"
    )
    for rows in _stream(identifiers_sql):
        raw.add_identifiers([(pk, number, bool(verified)) for pk, number, verified in rows])
    return raw
