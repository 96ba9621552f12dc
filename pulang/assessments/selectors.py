"""Reads of assessments, always through the registry's scope for the person; a person or
assessment the actor may not see answers "not found" (audited)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from pulang.assessments.engine import Instrument as Definition
from pulang.assessments.engine import load_definition, priority_sentence
from pulang.assessments.errors import UnknownInstrument
from pulang.assessments.models import Assessment, InstrumentVersion
from pulang.assessments.policies import Capability, can, may_see_assessment
from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.orgs.policies import may_view_restricted
from pulang.registry.held_elsewhere import row_of
from pulang.registry.models import Person
from pulang.registry.policies import person_scope_q
from pulang.registry.selectors import person_get_for_actor

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Return


def instrument_version_get(*, code: str, version: int | None = None) -> InstrumentVersion:
    """The given version of an instrument, or its latest; :class:`UnknownInstrument`."""
    versions = InstrumentVersion.objects.select_related("instrument").filter(instrument__code=code)
    if version is not None:
        versions = versions.filter(version=version)
    found = versions.order_by("-version").first()
    if found is None:
        raise UnknownInstrument(instrument=code, version=version or "—")
    return found


def instruments_current() -> list[InstrumentVersion]:
    """The latest version of every instrument, for choosing one."""
    latest: dict[int, InstrumentVersion] = {}
    for item in InstrumentVersion.objects.select_related("instrument").order_by(
        "instrument__code", "-version"
    ):
        latest.setdefault(item.instrument_id, item)
    return list(latest.values())


def instrument_definition(version: InstrumentVersion) -> Definition:
    """The engine's form of a stored version (parsed once per process and checksum)."""
    return _parse(version.checksum, version)


# Versions never change once used, and a changed definition has a new checksum.
_parsed: dict[str, Definition] = {}


def _parse(checksum: str, version: InstrumentVersion) -> Definition:
    definition = _parsed.get(checksum)
    if definition is None:
        definition = load_definition(version.definition, source=str(version))
        _parsed[checksum] = definition
    return definition


def assessments_for_person(*, actor: Actor, person_id: int) -> list[Assessment]:
    """Every assessment of the person the actor may see, newest first (re-assessments
    beside the ones before them)."""
    return _visible(actor, _person(actor, person_id))


def _person(actor: Actor, person_id: int) -> Person:
    if not can(actor, Capability.VIEW):
        raise refuse(actor, subject_type="registry.person", subject_id=str(person_id))
    return person_get_for_actor(actor=actor, person_id=person_id)


def _visible(actor: Actor, person: Person) -> list[Assessment]:
    found = Assessment.objects.filter(return_event__person_id=person.pk).select_related(
        "instrument_version__instrument", "organisation", "assessed_by", "return_event"
    )
    if not may_view_restricted(actor):
        found = found.filter(Q(is_restricted=False) | Q(assessed_by=actor.user))
    return list(found)


def assessments_of_person_seen(*, actor: Actor, person: Person) -> list[Assessment]:
    """The assessments of a person the caller has already read through the registry's
    scope (the person page), newest first: only the restricted-case filter applies."""
    if not can(actor, Capability.VIEW):
        return []
    return _visible(actor, person)


@dataclass(frozen=True)
class PersonAssessments:
    person: Person
    # The person's returns, the latest first: an assessment hangs on one of them.
    returns: list[Return]
    # The assessments the actor may see, newest first.
    assessments: list[Assessment]


def person_assessments(*, actor: Actor, person_id: int) -> PersonAssessments:
    """What the assessment pages of a person start from: the person (in the actor's
    scope, else "not found", audited), their returns and the assessments the actor may
    see (restricted ones only with clearance or to the officer who recorded them)."""
    person = _person(actor, person_id)
    returns = list(person.returns.order_by("-created_at", "-pk"))
    return PersonAssessments(person=person, returns=returns, assessments=_visible(actor, person))


def assessment_facts(person: Person, *, today: dt.date) -> dict[str, Any]:
    """The facts about the person that instruments may read beside the answers: sex, and
    age in whole years on ``today`` (none without a date of birth)."""
    age: int | None = None
    if person.birth_date is not None:
        born = person.birth_date
        before_birthday = (today.month, today.day) < (born.month, born.day)
        age = today.year - born.year - int(before_birthday)
    return {"sex": person.sex, "age": age}


def needs_recommended(*, actor: Actor) -> dict[int, Counter[str]]:
    """What the assessments recommend for the people in the actor's jurisdiction, counted
    per home area: each person's latest assessment, each service category once. For
    figures (aggregates: no person is named)."""
    people = Person.objects.filter(person_scope_q(actor), home_area__isnull=False)
    rows = (
        Assessment.objects.filter(return_event__person__in=people.values("pk"))
        .order_by("return_event__person_id", "-assessed_at", "-pk")
        .values_list("return_event__person_id", "return_event__person__home_area_id", "result")
    )
    needs: dict[int, Counter[str]] = {}
    seen: set[int] = set()
    for person_id, area_id, result in rows.iterator(chunk_size=2000):
        if person_id in seen:
            continue
        seen.add(person_id)
        wanted = {r["service"] for r in result.get("recommendations", [])}
        needs.setdefault(area_id, Counter()).update(wanted)
    return needs


def assessment_get_for_actor(*, actor: Actor, assessment_id: int) -> Assessment:
    """One assessment with its answers; audited. Not found when missing, out of scope or
    restricted without clearance."""
    assessment = (
        Assessment.objects.select_related(
            "instrument_version__instrument",
            "organisation",
            "assessed_by",
            "return_event__person",
            "previous",
        )
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or not can(actor, Capability.VIEW):
        raise refuse(actor, subject_type="assessments.assessment", subject_id=str(assessment_id))
    person_get_for_actor(actor=actor, person_id=assessment.return_event.person_id)
    if not may_see_assessment(actor, assessment):
        raise refuse(actor, assessment)
    record(actor, Action.ASSESSMENT_VIEWED, assessment)
    return assessment


def assessment_priority_sentence(*, result: Mapping[str, Any], language: str) -> str:
    """How a stored result reads ("Urgent because: …"), for the apps that show it."""
    return priority_sentence(result, language)


def assessments_held(person: Person) -> list[dict[str, Any]]:
    """The person's assessments, answers and results, for the copy of everything held
    (``registry.held_elsewhere``)."""
    assessments = Assessment.objects.filter(return_event__person=person).order_by("pk")
    return [row_of(a) for a in assessments]
