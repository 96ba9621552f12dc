"""Turning registry data into words for pages: labels instead of codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
from pulang.registry.held_elsewhere import held_titles
from pulang.registry.inputs import RegistrationInput
from pulang.registry.models import Person, PersonMerge, PersonName


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
    own, titles, labels = export, held_titles(), _field_labels()
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
        # The record's links, requests and merges, and what the other parts of Pulang
        # hold: a titled list of rows each, as stored, every field under its label.
        "held_elsewhere": [
            (title, _labelled(rows, labels))
            for title, rows in [
                (
                    _("Organisations whose own records include the person"),
                    own["organisation_links"],
                ),
                (_("Requests to erase"), own["erasure_requests"]),
                (_("Merges"), own["merges"]),
                *((titles.get(key, key), rows) for key, rows in export["held_elsewhere"].items()),
            ]
        ],
    }


def _field_labels() -> dict[str, str]:
    """Each stored field's label, in the active language, by name: over the models whose
    rows a copy of everything held lists (the first model naming a field gives its label)."""
    labels: dict[str, str] = {
        "notes": _("notes"),
        "events": _("steps taken"),
        "follow_ups": _("follow-ups"),
        "contact_attempts": _("attempts to reach the person"),
        "assistance": _("assistance given"),
        "plan": _("plan"),
        "goals": _("goals"),
        "actions": _("actions"),
    }
    for app in ("registry", "cases", "assessments", "referrals"):
        if not apps.is_installed(f"pulang.{app}"):
            continue
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                labels.setdefault(field.name, str(field.verbose_name))
    return labels


def _labelled(value: Any, labels: dict[str, str]) -> Any:
    """Rows (and the rows nested in them) with their keys as labels."""
    if isinstance(value, dict):
        return {labels.get(k, k.replace("_", " ")): _labelled(v, labels) for k, v in value.items()}
    if isinstance(value, list):
        return [_labelled(item, labels) for item in value]
    return value


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


_COUNTED: dict[str, Callable[[int], str]] = {
    "registry.intakerecord": lambda n: ngettext("%(count)d report", "%(count)d reports", n),
    "registry.personname": lambda n: ngettext("%(count)d name", "%(count)d names", n),
    "registry.identifier": lambda n: ngettext("%(count)d document", "%(count)d documents", n),
    "registry.migrationepisode": lambda n: ngettext(
        "%(count)d stay abroad", "%(count)d stays abroad", n
    ),
    "registry.return": lambda n: ngettext("%(count)d return", "%(count)d returns", n),
    "registry.skill": lambda n: ngettext("%(count)d skill", "%(count)d skills", n),
    "registry.consent": lambda n: ngettext("%(count)d consent", "%(count)d consents", n),
    "registry.personorganisationlink": lambda n: ngettext(
        "%(count)d organisation link", "%(count)d organisation links", n
    ),
    "registry.erasurerequest": lambda n: ngettext(
        "%(count)d request to erase", "%(count)d requests to erase", n
    ),
    "cases.case": lambda n: ngettext("%(count)d case", "%(count)d cases", n),
    "referrals.referral": lambda n: ngettext("%(count)d referral", "%(count)d referrals", n),
}


def _counted(rows: dict[str, list[int]]) -> str:
    parts = []
    for label, ids in rows.items():
        words = _COUNTED.get(label)
        parts.append(words(len(ids)) % {"count": len(ids)} if words else f"{len(ids)} {label}")
    return ", ".join(parts)


def _field_names(names: list[str]) -> str:
    return ", ".join(str(getattr(Person._meta.get_field(n), "verbose_name", n)) for n in names)


def merge_facts(merge: PersonMerge) -> dict[str, str]:
    """What a merge brought, filled in and left behind, in words, for the timeline."""
    return {
        "moved": _counted(merge.moved),
        "kept": _counted(merge.kept),
        "filled": _field_names(sorted(merge.survivor_before)),
        "unmerge_kept": _field_names(list(merge.unmerge_kept)),
    }
