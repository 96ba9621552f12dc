"""What other apps hold on a person, for the copy of everything held (the right of access).

Apps that keep records about a person (cases, assessments, referrals) register, when they
start (their ``AppConfig.ready``), a key, a title and a callable that answers those
records as plain rows; ``person_export`` adds every one. The registry never imports those
apps: they build on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from pulang.registry.models import Person

Rows = Callable[["Person"], list[dict[str, Any]]]

_held: dict[str, tuple[Promise | str, Rows, str]] = {}


def held_elsewhere(key: str, title: Promise | str, rows: Rows, *, audited_as: str = "") -> None:
    """Add ``rows(person)`` to every copy of everything held, under ``key``. With
    ``audited_as`` (the audit trail's subject type of those rows), who read or changed
    them is listed with who read or changed the person's record."""
    _held[key] = (title, rows, audited_as)


def held_for(person: Person) -> dict[str, list[dict[str, Any]]]:
    return {key: rows(person) for key, (_title, rows, _audited) in _held.items()}


def held_titles() -> dict[str, str]:
    return {key: str(title) for key, (title, _rows, _audited) in _held.items()}


def held_subjects(held: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """The audit subjects of what ``held_for`` found: subject type → record ids."""
    subjects: dict[str, list[str]] = {}
    for key, (_title, _rows, audited) in _held.items():
        if audited:
            subjects.setdefault(audited, []).extend(str(r["id"]) for r in held.get(key, []))
    return subjects


def row_of(record: models.Model, *, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """Every stored value of ``record`` as plain data (a related record as its id), but
    those in ``leave_out`` (secrets, or what another row already says)."""
    skipped = set(leave_out)
    row: dict[str, Any] = {}
    for field in record._meta.concrete_fields:
        if field.name in skipped or isinstance(field, models.BinaryField):
            continue
        row[field.name] = _plain(getattr(record, field.attname))
    return row


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
