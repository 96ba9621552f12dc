"""Turning registry data into words for pages: labels instead of codes."""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pulang.audit.actions import LABELS as ACTION_LABELS
from pulang.audit.actions import Action
from pulang.reference.selectors import country_list
from pulang.registry.codes import (
    Channel,
    ConsentPurpose,
    IdentifierKind,
    LegalStatus,
    ReturnMode,
    ReturnReason,
    ReturnStatus,
    Sex,
)
from pulang.registry.inputs import RegistrationInput
from pulang.registry.models import Person, PersonName


def _label(choices: Any, value: object) -> str:
    """A code's label for people (the code itself when it is not in the list)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _action_label(code: str) -> str:
    try:
        return str(ACTION_LABELS[Action(code)])
    except (ValueError, KeyError):
        return code


def readable_export(export: dict[str, Any]) -> dict[str, Any]:
    """The export with codes turned into words, for the printable page."""
    person_fields = {
        str(getattr(Person._meta.get_field(key), "verbose_name", key)): value
        for key, value in export["person"].items()
        if key != "id"
    }
    person_fields[str(Person._meta.get_field("sex").verbose_name)] = _label(
        Sex, export["person"]["sex"]
    )
    return {
        **export,
        "person": person_fields,
        "names": [{**n, "kind": _label(PersonName.Kind, n["kind"])} for n in export["names"]],
        "identifiers": [
            {**i, "kind": _label(IdentifierKind, i["kind"])} for i in export["identifiers"]
        ],
        "episodes": [
            {**e, "legal_status": _label(LegalStatus, e["legal_status"])}
            for e in export["episodes"]
        ],
        "returns": [
            {
                **r,
                "status": _label(ReturnStatus, r["status"]),
                "reason": _label(ReturnReason, r["reason"]),
                "mode": _label(ReturnMode, r["mode"]),
            }
            for r in export["returns"]
        ],
        "consents": [
            {**c, "purpose": _label(ConsentPurpose, c["purpose"])} for c in export["consents"]
        ],
        "reports": [{**i, "channel": _label(Channel, i["channel"])} for i in export["reports"]],
        "accessed_by": [{**a, "action": _action_label(a["action"])} for a in export["accessed_by"]],
    }


def intake_facts(data: RegistrationInput, area_name: str) -> list[tuple[str, str]]:
    """What a waiting report says, in words, for the officer who checks it."""
    facts = [
        (_("Name"), data.full_name),
        (_("Sex"), _label(Sex, data.sex)),
        (
            _("Date of birth"),
            date_format(data.birth_date, "SHORT_DATE_FORMAT") if data.birth_date else "—",
        ),
        (_("Phone"), data.phone or "—"),
        (_("Area"), area_name),
    ]
    if data.episode is not None:
        country = country_list().filter(code=data.episode.destination_country.upper()).first()
        where = country.name if country else data.episode.destination_country
        facts.append((_("Country of work"), f"{where} {data.episode.job_title}".strip()))
    if data.return_ is not None:
        came = (
            date_format(data.return_.returned_on, "SHORT_DATE_FORMAT")
            if data.return_.returned_on
            else "—"
        )
        facts.append((_("Came home"), f"{came} — {_label(ReturnReason, data.return_.reason)}"))
    return facts
