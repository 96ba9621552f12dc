"""Reads of the registry, always through the actor's scope; a refused or missing person
answers "not found" and the attempt is audited; every view of a person is audited."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.errors import PermissionDenied
from pulang.orgs.policies import may_act_on, may_view_restricted, scope_q
from pulang.registry.codes import ReturnStatus
from pulang.registry.errors import PersonMerged
from pulang.registry.inputs import is_minor_on
from pulang.registry.models import (
    Consent,
    ErasureRequest,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonMerge,
    PersonName,
    PersonOrganisationLink,
    Return,
    Skill,
)
from pulang.registry.policies import (
    Capability,
    can,
    may_act_on_person,
    person_scope_q,
    restricts,
)
from pulang.registry.search import Match, PersonQuery, find_people

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


def linked_organisation_ids(person: Person) -> set[int]:
    return set(
        PersonOrganisationLink.objects.filter(person=person).values_list(
            "organisation_id", flat=True
        )
    )


def _person(person_id: int) -> Person | None:
    return (
        Person.objects.select_related("home_area", "nationality", "abroad_in")
        .filter(pk=person_id)
        .first()
    )


def _final_survivor(person: Person) -> Person | None:
    """The record a merged record lives on in, following merges of merges."""
    seen = {person.pk}
    while person.merged_into_id is not None and person.merged_into_id not in seen:
        seen.add(person.merged_into_id)
        found = _person(person.merged_into_id)
        if found is None:
            return None
        person = found
    return person if person.merged_into_id is None else None


def person_get_for_actor(*, actor: Actor, person_id: int, audit_view: bool = False) -> Person:
    """The person, or :class:`NotFound` (audited) when missing or out of scope.

    A record merged into another raises :class:`PersonMerged` (a ``NotFound``) naming that
    record, for those who may see it; for anyone else it is simply not found.
    """
    person = _person(person_id)
    if person is not None and person.merged_into_id is not None:
        survivor = _final_survivor(person)
        if (
            survivor is not None
            and can(actor, Capability.VIEW_PERSONS)
            and may_act_on_person(actor, survivor, linked_organisation_ids(survivor))
        ):
            raise PersonMerged(survivor=survivor.pk)
    if (
        person is None
        or not can(actor, Capability.VIEW_PERSONS)
        or not may_act_on_person(actor, person, linked_organisation_ids(person))
    ):
        raise refuse(actor, subject_type="registry.person", subject_id=str(person_id))
    if audit_view:
        record(actor, Action.PERSON_VIEWED, person)
    return person


def person_search(*, actor: Actor, query: PersonQuery) -> list[Match]:
    """Search within the actor's scope; the search itself is audited (what was asked for,
    not the names)."""
    if not can(actor, Capability.VIEW_PERSONS):
        raise PermissionDenied()
    matches = find_people(query=query, within=person_scope_q(actor))
    record(
        actor,
        Action.PERSONS_SEARCHED,
        details={
            "by": [
                k
                for k, v in (
                    ("name", query.name),
                    ("birth_date", query.birth_date),
                    ("birth_year", query.birth_year),
                    ("id_number", query.id_number),
                    ("phone", query.phone),
                )
                if v
            ],
            "results": len(matches),
        },
    )
    return matches


@dataclass(frozen=True)
class TimelineEntry:
    when: dt.datetime | dt.date | None
    kind: str
    item: object
    # The record this entry was merged in from, if it came with a merge.
    came_from: int | None = None


@dataclass
class PersonFile:
    person: Person
    names: list[PersonName]
    identifiers: list[Identifier]
    episodes: list[MigrationEpisode]
    returns: list[Return]
    skills: list[Skill]
    consents: list[Consent]
    intakes: list[IntakeRecord]
    timeline: list[TimelineEntry]
    # Merges this record took part in (oldest first), and the one that may be undone now.
    merges: list[PersonMerge]
    undoable_merge_id: int | None


def person_file(*, actor: Actor, person_id: int) -> PersonFile:
    """Everything held on a person that the actor may see, with a timeline; audited."""
    person = person_get_for_actor(actor=actor, person_id=person_id, audit_view=True)
    episodes = list(
        MigrationEpisode.objects.filter(person=person).select_related(
            "destination_country", "occupation", "migration_cost_currency"
        )
    )
    returns = list(
        Return.objects.filter(person=person).select_related("destination_area", "reported_by")
    )
    consents = list(
        Consent.objects.filter(person=person).select_related("recorded_by_organisation")
    )
    intakes = list(IntakeRecord.objects.filter(person=person).select_related("organisation"))
    merges = _merges_of(person.pk)
    came_from = _merged_in_from(person.pk, merges)

    def origin(item: Model) -> int | None:
        return came_from.get((item._meta.label_lower, item.pk))

    timeline: list[TimelineEntry] = []
    timeline += [TimelineEntry(e.started_on, "episode", e, origin(e)) for e in episodes]
    timeline += [
        TimelineEntry(r.returned_on or r.expected_on, "return", r, origin(r)) for r in returns
    ]
    timeline += [TimelineEntry(c.given_at, "consent", c, origin(c)) for c in consents]
    timeline += [TimelineEntry(i.received_at, "intake", i, origin(i)) for i in intakes]
    timeline += [TimelineEntry(m.created_at, "merge", m) for m in merges]
    timeline += [TimelineEntry(m.unmerged_at, "unmerge", m) for m in merges if m.unmerged_at]

    def sort_key(entry: TimelineEntry) -> dt.datetime:
        when = entry.when
        if when is None:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        if isinstance(when, dt.datetime):
            return when
        return dt.datetime.combine(when, dt.time.min, tzinfo=dt.UTC)

    timeline.sort(key=sort_key, reverse=True)
    return PersonFile(
        person=person,
        names=list(PersonName.objects.filter(person=person).order_by("kind", "pk")),
        identifiers=list(
            Identifier.objects.filter(person=person).select_related("issuing_country")
        ),
        episodes=episodes,
        returns=returns,
        skills=list(Skill.objects.filter(person=person).select_related("occupation", "language")),
        consents=consents,
        intakes=intakes,
        timeline=timeline,
        merges=merges,
        undoable_merge_id=_undoable_merge(person.pk, merges),
    )


def _merges_of(person_id: int) -> list[PersonMerge]:
    return list(
        PersonMerge.objects.filter(Q(survivor_id=person_id) | Q(absorbed_id=person_id))
        .select_related("decided_by", "organisation", "unmerged_by")
        .order_by("pk")
    )


def _merged_in_from(person_id: int, merges: list[PersonMerge]) -> dict[tuple[str, int], int]:
    """{(model label, row id): record it came from} for rows merges brought to this one."""
    origin: dict[tuple[str, int], int] = {}
    for merge in merges:
        if merge.survivor_id == person_id and merge.unmerged_at is None:
            for label, ids in merge.moved.items():
                origin.update({(label, row): merge.absorbed_id for row in ids})
    return origin


def _undoable_merge(person_id: int, merges: list[PersonMerge]) -> int | None:
    """Merges are undone newest first: only the latest one still in force may be."""
    live = [m for m in merges if m.unmerged_at is None]
    if not live or live[-1].survivor_id != person_id:
        return None
    return live[-1].pk


def person_merges(*, actor: Actor, person_id: int) -> list[PersonMerge]:
    """The merges a record took part in, oldest first: for those who may see the record,
    or, once it is merged, the record it was merged into."""
    # A merged record answers PersonMerged only to those who see the record it lives on in.
    with contextlib.suppress(PersonMerged):
        person_get_for_actor(actor=actor, person_id=person_id)
    return _merges_of(person_id)


def intake_queue(*, actor: Actor) -> QuerySet[IntakeRecord]:
    """Reports waiting for the actor's office: self-registrations from its area."""
    if not can(actor, Capability.REVIEW_INTAKES):
        raise PermissionDenied()
    return (
        IntakeRecord.objects.filter(
            scope_q(actor, area_path="area__path"), status=IntakeRecord.Status.SUBMITTED
        )
        .select_related("area")
        .order_by("received_at", "pk")
    )


def intake_get_for_actor(*, actor: Actor, intake_id: int, audit_view: bool = False) -> IntakeRecord:
    """A report in the actor's area, or :class:`NotFound` (audited). A report says what the
    person's record says: one attached to a person the actor may not see (restricted, or
    no longer in the actor's scope), or one that would make a restricted record, is for
    staff with clearance only."""
    intake = (
        IntakeRecord.objects.select_related("area", "person__home_area")
        .filter(pk=intake_id)
        .first()
    )
    if (
        intake is None
        or not can(actor, Capability.REVIEW_INTAKES)
        or intake.area is None
        or not may_act_on(actor, area=intake.area)
        or not _may_read_report(actor, intake)
    ):
        raise refuse(actor, subject_type="registry.intakerecord", subject_id=str(intake_id))
    if audit_view:
        record(actor, Action.INTAKE_VIEWED, intake)
    return intake


def _may_read_report(actor: Actor, intake: IntakeRecord) -> bool:
    if intake.person is not None:
        # An erased person's reports were emptied with the record; a merged one's moved on.
        return may_act_on_person(actor, intake.person, linked_organisation_ids(intake.person))
    if may_view_restricted(actor):
        return True
    payload = intake.payload if isinstance(intake.payload, dict) else {}
    episode = payload.get("episode") if isinstance(payload.get("episode"), dict) else {}
    try:
        born = dt.date.fromisoformat(payload["birth_date"]) if payload.get("birth_date") else None
    except (TypeError, ValueError):
        born = None
    minor = born is not None and is_minor_on(born, timezone.localdate())
    return not restricts(
        is_minor=minor, abuse_indicators=(episode or {}).get("abuse_indicators") or ()
    )


def recent_arrivals(*, actor: Actor, days: int = 30, limit: int = 20) -> list[Return]:
    """Returns recorded in the actor's scope in the last ``days`` days, newest first."""
    if not can(actor, Capability.VIEW_PERSONS):
        return []
    since = timezone.localdate() - dt.timedelta(days=days)
    persons = Person.objects.filter(person_scope_q(actor))
    return list(
        Return.objects.filter(
            status=ReturnStatus.ARRIVED, returned_on__gte=since, person__in=persons
        )
        .select_related("person")
        .order_by("-returned_on", "-pk")[:limit]
    )


def expected_returns(*, actor: Actor, limit: int = 20) -> list[Return]:
    """Workers registered abroad who have not yet arrived, in the actor's scope."""
    if not can(actor, Capability.VIEW_PERSONS):
        return []
    persons = Person.objects.filter(person_scope_q(actor))
    return list(
        Return.objects.filter(status=ReturnStatus.EXPECTED, person__in=persons)
        .select_related("person", "person__abroad_in")
        .order_by("expected_on", "pk")[:limit]
    )


def persons_in_scope_count(*, actor: Actor) -> int:
    if not can(actor, Capability.VIEW_PERSONS):
        return 0
    return Person.objects.filter(person_scope_q(actor)).count()


def intake_by_reference(*, reference_code: str) -> IntakeRecord | None:
    """For the returnee holding their code (self-registration); no actor."""
    code = reference_code.strip().upper()
    if not code:
        return None
    return IntakeRecord.objects.filter(reference_code=code).first()


def self_registration_draft(*, reference_code: str) -> IntakeRecord | None:
    """A self-registration saved and not sent yet, for the returnee holding its code."""
    intake = intake_by_reference(reference_code=reference_code)
    if intake is None or intake.status != IntakeRecord.Status.DRAFT:
        return None
    return intake


def erasure_queue(*, actor: Actor) -> list[ErasureRequest]:
    """Open erasure requests about people in the actor's scope, for those who decide."""
    if not can(actor, Capability.DECIDE_ERASURE):
        raise PermissionDenied()
    persons = Person.objects.filter(person_scope_q(actor))
    return list(
        ErasureRequest.objects.filter(status=ErasureRequest.Status.REQUESTED, person__in=persons)
        .select_related("person", "requested_by")
        .order_by("requested_at")
    )


def consent_in_force(*, person_id: int, purpose: str) -> Consent | None:
    """The person's live consent for ``purpose`` (given and not withdrawn), if any. For
    services that have already checked the actor may act for the person."""
    return (
        Consent.objects.filter(person_id=person_id, purpose=purpose, withdrawn_at__isnull=True)
        .order_by("-given_at")
        .first()
    )
