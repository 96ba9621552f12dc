"""Any other database (SQLite): the same decisions in Python, chunk by chunk. People and
episodes are inserted with ``RETURNING`` (their new ids come back, as bulk_create gets
them); the rows that only refer to them go through executemany of plain values."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection, models

from pulang.registry.codes import Channel, IdentifierKind
from pulang.registry.imports.services.checking import imported_keys
from pulang.registry.imports.services.loading.base import (
    LoadContext,
    LoadCounts,
    column_defaults,
)
from pulang.registry.imports.services.reach import refuse_out_of_reach
from pulang.registry.imports.services.staging import ROW_INDEX, Row, read_chunks
from pulang.registry.models import (
    Consent,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonName,
    PersonOrganisationLink,
    Return,
)

_BATCH = 1000


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class _Writer:
    """``INSERT`` of many rows of plain values into a model's table, any database: the
    columns given, and every other column at its model default."""

    def __init__(self, model: type[models.Model], columns: list[str], now: dt.datetime) -> None:
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(now)
        extra_columns, extra_values = column_defaults(model, {*columns, "id"}, now)
        self.extra = tuple(self.now if isinstance(v, dt.datetime) else v for v in extra_values)
        names = [*columns, *extra_columns]
        # Names from the model's own metadata, quoted; the values go as parameters.
        self.sql = (
            f"INSERT INTO {ops.quote_name(model._meta.db_table)} "  # noqa: S608
            f"({', '.join(ops.quote_name(c) for c in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )

    def insert_returning(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Insert and return the new ids, in the order of ``rows`` (as bulk_create does:
        PostgreSQL, SQLite 3.35+ and MariaDB 10.5+ return rows in insertion order)."""
        ids: list[int] = []
        if not rows:
            return ids
        values = self.sql[self.sql.index("VALUES ") + len("VALUES ") :]
        head = self.sql[: self.sql.index("VALUES ")]
        size = max(1, connection.ops.bulk_batch_size(["x"] * values.count("%s"), rows))
        extra = self.extra
        with connection.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                cursor.execute(
                    f"{head}VALUES {', '.join([values] * len(chunk))} RETURNING "
                    f"{connection.ops.quote_name('id')}",
                    [v for r in chunk for v in (*r, *extra)],
                )
                ids += [row[0] for row in cursor.fetchall()]
        return ids

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        extra = self.extra
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _BATCH):
                cursor.executemany(self.sql, [(*r, *extra) for r in rows[start : start + _BATCH]])


def _json(text: str) -> Any:
    """JSON text from the staging files, as this database takes a JSON value."""
    if connection.vendor == "sqlite":
        return text  # stored as text: already what it would be
    return connection.ops.adapt_json_value(json.loads(text), None)


def _day(value: str | None) -> Any:
    return connection.ops.adapt_datefield_value(_date(value))


def load_portable(context: LoadContext) -> LoadCounts:
    counts = LoadCounts()
    actor = context.actor
    org = actor.organisation.pk
    user = actor.user.pk
    now = context.now
    ix = ROW_INDEX
    names_writer = _Writer(
        PersonName,
        [
            "person_id",
            "kind",
            "written",
            "folded",
            "sorted_tokens",
            "phonetic",
            "script",
            "birth_year",
        ],
        now,
    )
    identifiers_writer = _Writer(
        Identifier,
        [
            "person_id",
            "kind",
            "number",
            "issuing_country_id",
            "is_current",
            "verified",
            "created_at",
        ],
        now,
    )
    returns_writer = _Writer(Return, [c for c, _v in _RETURN_COLUMNS], now)
    intakes_writer = _Writer(IntakeRecord, [c for c, _v in _INTAKE_COLUMNS], now)
    consents_writer = _Writer(
        Consent,
        [
            "person_id",
            "purpose",
            "method",
            "given_at",
            "recorded_by_id",
            "recorded_by_organisation_id",
        ],
        now,
    )
    people_writer = _Writer(Person, [c for c, _g in _PERSON_COLUMNS], now)
    episodes_writer = _Writer(MigrationEpisode, [c for c, _g in _EPISODE_COLUMNS], now)
    stamp = names_writer.now
    # National ID → person, for ids registered before and people created by this file.
    by_number: dict[tuple[str, str], int] = {}
    done = 0
    for rows, names, identifiers in read_chunks(context.folder):
        done += len(rows)
        counts.lap("read")
        imported = imported_keys(org, [r[ix["key"]] for r in rows])
        counts.skipped_already_imported += sum(1 for r in rows if r[ix["key"]] in imported)
        rows = [r for r in rows if r[ix["key"]] not in imported]
        wanted = {
            (r[ix["nik_country"]], r[ix["nik"]])
            for r in rows
            if r[ix["nik"]] and (r[ix["nik_country"]], r[ix["nik"]]) not in by_number
        }
        if wanted:
            registered = Identifier.objects.filter(
                kind=IdentifierKind.NATIONAL_ID,
                number__in=[number for _country, number in wanted],
                person__erased_at__isnull=True,
                # A number left on a record merged into another belongs to the survivor.
                person__merged_into__isnull=True,
            ).values_list("issuing_country_id", "number", "person_id")
            found: dict[tuple[str, str], int] = {}
            for country, number, person_id in sorted(registered, key=lambda t: t[2]):
                found.setdefault((country, number), person_id)
            refuse_out_of_reach(actor, set(found.values()))
            by_number.update(found)
        counts.lap("imported_before")

        # Who creates: the first row of each number not registered, and rows without one.
        leaders: list[Row] = []
        claimed: set[tuple[str, str]] = set()
        for r in rows:
            national_id = (r[ix["nik_country"]], r[ix["nik"]]) if r[ix["nik"]] else None
            if national_id is None:
                leaders.append(r)
            elif national_id not in by_number and national_id not in claimed:
                claimed.add(national_id)
                leaders.append(r)
        values = {"org": org, "user": user, "now": stamp, "agency": context.agency_id}
        people = people_writer.insert_returning(
            [tuple(get(r, values) for _c, get in _PERSON_COLUMNS) for r in leaders]
        )
        person_of: dict[int, int] = {}
        for r, person_id in zip(leaders, people, strict=True):
            person_of[r[ix["line"]]] = person_id
            if r[ix["nik"]]:
                by_number[(r[ix["nik_country"]], r[ix["nik"]])] = person_id
        creates = set(person_of)
        for r in rows:
            if r[ix["line"]] not in person_of:
                person_of[r[ix["line"]]] = by_number[(r[ix["nik_country"]], r[ix["nik"]])]
        counts.created += len(creates)
        counts.linked += len(rows) - len(creates)
        kept = set(person_of)
        linked_people = {person_of[line] for line in kept - creates}
        counts.lap("person")

        born = {r[ix["line"]]: _date(r[ix["birth_date"]]) for r in rows}
        names_writer.write(_new_names(names, kept, creates, person_of, linked_people, born))
        counts.lap("personname")
        identifiers_writer.write(
            _new_identifiers(identifiers, kept, creates, person_of, linked_people, stamp)
        )
        counts.lap("identifier")
        with_episode = [r for r in rows if r[ix["destination_country_id"]]]
        episodes = episodes_writer.insert_returning(
            [
                (person_of[r[ix["line"]]], *(get(r, values) for _c, get in _EPISODE_COLUMNS[1:]))
                for r in with_episode
            ]
        )
        episode_of = {r[ix["line"]]: e for r, e in zip(with_episode, episodes, strict=True)}
        counts.lap("migrationepisode")
        returns_writer.write(
            [
                tuple(
                    get(r, person_of[r[ix["line"]]], episode_of.get(r[ix["line"]]), values)
                    for _c, get in _RETURN_COLUMNS
                )
                for r in rows
            ]
        )
        counts.lap("return")
        areas = dict(
            Person.objects.filter(pk__in=set(person_of.values())).values_list("pk", "home_area_id")
        )
        intakes_writer.write(
            [
                tuple(
                    get(r, person_of[r[ix["line"]]], r[ix["line"]] in creates, areas, values)
                    for _c, get in _INTAKE_COLUMNS
                )
                for r in rows
            ]
        )
        counts.lap("intakerecord")
        consents_writer.write(_new_consents(rows, person_of, linked_people, user, org, stamp))
        if context.agency_id is not None:
            PersonOrganisationLink.objects.bulk_create(
                [
                    PersonOrganisationLink(person_id=p, organisation_id=org, created_at=now)
                    for p in set(person_of.values())
                ],
                batch_size=_BATCH,
                ignore_conflicts=True,
            )
        counts.lap("consent_and_links")
        context.report(min(99, done * 100 // max(context.rows, 1)))
    return counts


_RETURN_COLUMNS: list[tuple[str, Callable[..., Any]]] = [
    ("person_id", lambda r, person, episode, v: person),
    ("episode_id", lambda r, person, episode, v: episode),
    ("status", lambda r, person, episode, v: r[ROW_INDEX["return_status"]]),
    ("returned_on", lambda r, person, episode, v: _day(r[ROW_INDEX["returned_on"]])),
    ("expected_on", lambda r, person, episode, v: _day(r[ROW_INDEX["expected_on"]])),
    ("port_of_entry", lambda r, person, episode, v: r[ROW_INDEX["port_of_entry"]]),
    ("reason", lambda r, person, episode, v: r[ROW_INDEX["reason"]]),
    ("mode", lambda r, person, episode, v: r[ROW_INDEX["mode"]]),
    ("readiness", lambda r, person, episode, v: r[ROW_INDEX["readiness"]]),
    ("intention", lambda r, person, episode, v: r[ROW_INDEX["intention"]]),
    ("destination_area_id", lambda r, person, episode, v: r[ROW_INDEX["return_area_id"]]),
    ("support_received", lambda r, person, episode, v: r[ROW_INDEX["support_received"]]),
    ("channel", lambda r, person, episode, v: Channel.IMPORT.value),
    ("reported_by_id", lambda r, person, episode, v: v["org"]),
    ("created_at", lambda r, person, episode, v: v["now"]),
]
_INTAKE_COLUMNS: list[tuple[str, Callable[..., Any]]] = [
    ("channel", lambda r, person, created, areas, v: Channel.IMPORT.value),
    ("payload", lambda r, person, created, areas, v: _json(r[ROW_INDEX["payload"]])),
    ("received_at", lambda r, person, created, areas, v: v["now"]),
    ("received_by_id", lambda r, person, created, areas, v: None),
    ("organisation_id", lambda r, person, created, areas, v: v["org"]),
    ("idempotency_key", lambda r, person, created, areas, v: r[ROW_INDEX["key"]]),
    ("reference_code", lambda r, person, created, areas, v: ""),
    ("area_id", lambda r, person, created, areas, v: areas[person]),
    ("person_id", lambda r, person, created, areas, v: person),
    (
        "status",
        lambda r, person, created, areas, v: (
            IntakeRecord.Status.CREATED.value if created else IntakeRecord.Status.LINKED.value
        ),
    ),
    ("decided_at", lambda r, person, created, areas, v: v["now"]),
    ("decided_by_id", lambda r, person, created, areas, v: None),
]


def _column(name: str, adapt: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """A column taken from the staged row (adapted for the database)."""
    index = ROW_INDEX[name]
    if adapt is None:
        return lambda r, v: r[index]
    return lambda r, v: adapt(r[index])


def _money(value: str | None) -> Any:
    return connection.ops.adapt_decimalfield_value(Decimal(value)) if value is not None else None


_PERSON_COLUMNS: list[tuple[str, Callable[..., Any]]] = [
    *(
        (c, _column(c))
        for c in (
            "full_name",
            "given_name",
            "family_name",
            "sex",
            "birth_date_precision",
            "nationality_id",
            "phone",
            "email",
            "home_area_id",
            "address",
            "has_disability",
            "household_size",
            "dependants",
            "education_level",
            "abroad_in_id",
            "is_restricted",
        )
    ),
    ("birth_date", _column("birth_date", _day)),
    ("languages", _column("languages", _json)),
    ("created_at", lambda r, v: v["now"]),
    ("updated_at", lambda r, v: v["now"]),
    ("version", lambda r, v: 1),
    ("erased_at", lambda r, v: None),
]
_EPISODE_COLUMNS: list[tuple[str, Callable[..., Any]]] = [
    ("person_id", lambda r, v: None),  # filled in by the caller
    *(
        (c, _column(c))
        for c in (
            "destination_country_id",
            "destination_city",
            "employer_name",
            "sector",
            "occupation_id",
            "job_title",
            "visa_type",
            "agency_name",
            "legal_status",
            "migration_cost_currency_id",
        )
    ),
    ("started_on", _column("started_on", _day)),
    ("ended_on", _column("ended_on", _day)),
    ("migration_cost", _column("migration_cost", _money)),
    ("cost_financing", _column("cost_financing", _json)),
    ("abuse_indicators", _column("abuse_indicators", _json)),
    ("recruitment_agency_id", lambda r, v: v["agency"]),
    ("created_at", lambda r, v: v["now"]),
]


def _new_names(
    names: list[Row],
    kept: set[int],
    creates: set[int],
    person_of: dict[int, int],
    linked_people: set[int],
    born: dict[int, Any],
) -> list[tuple[Any, ...]]:
    known = set(
        PersonName.objects.filter(person_id__in=linked_people).values_list("person_id", "written")
    )
    new = []
    primary, alias = PersonName.Kind.PRIMARY.value, PersonName.Kind.ALIAS.value
    for line, kind, written, folded, sorted_tokens, phonetic, script in sorted(
        names, key=lambda n: (n[0] not in creates, n[0])
    ):
        if line not in kept:
            continue
        person_id = person_of[line]
        if (person_id, written) in known:
            continue
        known.add((person_id, written))
        if kind == primary and line not in creates:
            kind = alias
        year = born[line].year if born.get(line) else None
        new.append((person_id, kind, written, folded, sorted_tokens, phonetic, script, year))
    return new


def _new_identifiers(
    identifiers: list[Row],
    kept: set[int],
    creates: set[int],
    person_of: dict[int, int],
    linked_people: set[int],
    stamp: Any,
) -> list[tuple[Any, ...]]:
    known = set(
        Identifier.objects.filter(person_id__in=linked_people).values_list(
            "person_id", "kind", "issuing_country_id", "number"
        )
    )
    new = []
    for line, kind, number, country in sorted(
        identifiers, key=lambda n: (n[0] not in creates, n[0])
    ):
        if line not in kept:
            continue
        key = (person_of[line], kind, country, number)
        if key in known:
            continue
        known.add(key)
        new.append((key[0], kind, number, country, True, False, stamp))
    return new


def _new_consents(
    rows: list[Row],
    person_of: dict[int, int],
    linked_people: set[int],
    user: int,
    org: int,
    stamp: Any,
) -> list[tuple[Any, ...]]:
    ix = ROW_INDEX
    live = set(
        Consent.objects.filter(person_id__in=linked_people, withdrawn_at__isnull=True).values_list(
            "person_id", "purpose"
        )
    )
    new = []
    for r in rows:
        person_id = person_of[r[ix["line"]]]
        for purpose in json.loads(r[ix["consents"]]):
            if (person_id, purpose) in live:
                continue
            live.add((person_id, purpose))
            new.append((person_id, purpose, r[ix["consent_method"]], stamp, user, org))
    return new
