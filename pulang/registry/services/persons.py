"""Changes to registered people: arrival home, corrections (version-checked), consent."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.registry import arrivals
from pulang.registry.codes import ConsentMethod, ConsentPurpose, ReturnStatus
from pulang.registry.consent_hooks import consent_withdrawn
from pulang.registry.errors import StaleRecord
from pulang.registry.inputs import RegistrationInput, validate_registration
from pulang.registry.models import Consent, Person, PersonName, Return
from pulang.registry.policies import Capability, can, in_area_of_work
from pulang.registry.selectors import linked_organisation_ids, person_get_for_actor
from pulang.registry.services.registration import add_names, prospective_person

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


def return_record_arrival(
    *, actor: Actor, return_id: int, returned_on: dt.date, port_of_entry: str = ""
) -> Return:
    """A worker registered abroad has arrived home: the record passes from the consulate
    to the office of their home area (which now sees it in its arrivals), and so does
    what other apps hold of them abroad (``registry.arrivals``: a case goes home)."""
    item = Return.objects.select_related("person", "person__home_area").filter(pk=return_id).first()
    if item is None:
        raise NotFound()
    person = person_get_for_actor(actor=actor, person_id=item.person_id)
    if item.status != ReturnStatus.EXPECTED:
        raise InvalidInput(
            errors=[{"field": "status", "reason": _("this return is already recorded as arrived")}]
        )
    if returned_on > timezone.localdate():
        raise InvalidInput(
            errors=[{"field": "returned_on", "reason": _("the date of return is in the future")}]
        )
    with transaction.atomic():
        item.status, item.returned_on = ReturnStatus.ARRIVED, returned_on
        item.port_of_entry = port_of_entry.strip() or item.port_of_entry
        item.save(update_fields=["status", "returned_on", "port_of_entry"])
        person.abroad_in = None
        if person.home_area_id is None:
            person.home_area_id = item.destination_area_id
        Person.objects.filter(pk=person.pk).update(
            abroad_in=None, home_area_id=person.home_area_id, version=F("version") + 1
        )
        record(actor, Action.RETURN_ARRIVED, item, details={"person": person.pk})
        arrivals.arrived(actor, item)
    return item


EDITABLE_FIELDS = (
    "full_name",
    "given_name",
    "family_name",
    "sex",
    "birth_date",
    "birth_date_precision",
    "phone",
    "email",
    "home_area",
    "address",
    "has_disability",
    "household_size",
    "dependants",
    "languages",
    "education_level",
)


def person_update(
    *, actor: Actor, person_id: int, version: int, changes: dict[str, Any], reason: str = ""
) -> Person:
    """Correct a person's record. ``version`` is the one the editor saw: if someone saved
    in between, :class:`StaleRecord` is raised and nothing is written."""
    if not can(actor, Capability.EDIT_PERSONS):
        raise PermissionDenied()
    person = person_get_for_actor(actor=actor, person_id=person_id)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            errors=[
                {"field": f, "reason": _("this field cannot be changed here")}
                for f in sorted(unknown)
            ]
        )
    current = {f: getattr(person, f) for f in EDITABLE_FIELDS if f != "home_area"}
    current["home_area"] = person.home_area.code if person.home_area else ""
    merged: dict[str, Any] = {**current, **changes}
    # Text fields are "" when empty, never None; a name, a sex and the like cannot be
    # emptied (an API client may send null).
    for text_field in ("phone", "email", "address", "given_name", "family_name", "home_area"):
        if merged.get(text_field) is None:
            merged[text_field] = ""
    if merged.get("languages") is None:
        merged["languages"] = []
    emptied = [
        f
        for f in ("full_name", "sex", "birth_date_precision", "education_level")
        if merged.get(f) is None
    ]
    if emptied:
        raise InvalidInput(errors=[{"field": f, "reason": _("this is required")} for f in emptied])
    data = RegistrationInput(nationality=person.nationality_id, **merged)
    resolved = validate_registration(data)
    updated = prospective_person(resolved)
    # Where the person is while abroad is not edited here (a return records it), and a
    # correction that restricts the record is allowed like any other.
    updated.abroad_in = person.abroad_in
    if not in_area_of_work(actor, updated, linked_organisation_ids(person)):
        raise InvalidInput(
            errors=[
                {
                    "field": "home_area",
                    "reason": _("this person's home area is outside your area of work"),
                }
            ]
        )
    values = {f: getattr(updated, f) for f in EDITABLE_FIELDS}
    values["is_restricted"] = person.is_restricted or updated.is_restricted
    with transaction.atomic():
        # Erased or merged since it was read: the version moved on, and so does this filter.
        live = Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
        count = live.filter(pk=person.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=timezone.now()
        )
        if count == 0:
            raise StaleRecord()
        if person.full_name != updated.full_name:
            PersonName.objects.filter(person=person, kind=PersonName.Kind.PRIMARY).update(
                kind=PersonName.Kind.PREVIOUS
            )
            add_names(person, resolved)
            PersonName.objects.filter(person=person, written=updated.full_name).update(
                kind=PersonName.Kind.PRIMARY
            )
        if person.birth_date != updated.birth_date:
            # Search finds names by the birth year they carry: a corrected date moves them.
            year = updated.birth_date.year if updated.birth_date else None
            PersonName.objects.filter(person=person).update(birth_year=year)
        changed = sorted(f for f in EDITABLE_FIELDS if getattr(person, f) != values[f])
        record(actor, Action.PERSON_UPDATED, person, reason=reason, details={"fields": changed})
    person.refresh_from_db()
    return person


def consent_give(
    *, actor: Actor, person_id: int, purpose: str, method: str, note: str = ""
) -> Consent:
    if not can(actor, Capability.RECORD_CONSENT):
        raise PermissionDenied()
    person = person_get_for_actor(actor=actor, person_id=person_id)
    unknown = [
        {"field": name, "reason": _("“%(value)s” is not one of the allowed values") % {"value": v}}
        for name, v, choices in (
            ("purpose", purpose, ConsentPurpose),
            ("method", method, ConsentMethod),
        )
        if v not in choices.values
    ]
    if unknown:
        raise InvalidInput(errors=unknown)
    with transaction.atomic():
        existing = Consent.objects.filter(
            person=person, purpose=purpose, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        consent = Consent(
            person=person,
            purpose=purpose,
            method=method,
            given_at=timezone.now(),
            recorded_by=actor.user,
            recorded_by_organisation=actor.organisation,
            note=note.strip(),
        )
        consent.full_clean()
        consent.save()
        record(
            actor, Action.CONSENT_GIVEN, consent, details={"purpose": purpose, "person": person.pk}
        )
    return consent


def consent_withdraw(
    *, actor: Actor, person_id: int, purpose: str, note: str = ""
) -> Consent | None:
    if not can(actor, Capability.RECORD_CONSENT):
        raise PermissionDenied()
    person = person_get_for_actor(actor=actor, person_id=person_id)
    with transaction.atomic():
        # A merge leaves a consent of the same purpose on the record merged in, while
        # what was done under it (referrals) moved here: it is withdrawn too.
        records = [person.pk, *_merged_into(person.pk)]
        live = Consent.objects.filter(
            person_id__in=records, purpose=purpose, withdrawn_at__isnull=True
        ).order_by(Case(When(person_id=person.pk, then=0), default=1), "pk")
        withdrawn = list(live)
        for consent in withdrawn:
            consent.withdrawn_at, consent.withdrawn_by = timezone.now(), actor.user
            if note.strip():
                consent.note = note.strip()
            consent.save(update_fields=["withdrawn_at", "withdrawn_by", "note"])
            record(
                actor,
                Action.CONSENT_WITHDRAWN,
                consent,
                details={"purpose": purpose, "person": person.pk},
            )
            consent_withdrawn(actor, consent)
    return withdrawn[0] if withdrawn else None


def _merged_into(person_id: int) -> list[int]:
    """Every record merged into this one, directly or through another."""
    found: list[int] = []
    frontier = [person_id]
    while frontier:
        merged = Person.objects.filter(merged_into__in=frontier)
        frontier = list(merged.values_list("pk", flat=True))
        found += frontier
    return found
