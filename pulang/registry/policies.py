"""Who may do what in the registry. Where: the shared rule in ``orgs.policies``, applied to
a person through their home area, the country they are in while abroad, their nationality
(for national staff) and the organisations whose own records include them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from pulang.orgs.models import GOVERNMENT_OFFICE_KINDS, Role, ScopeKind
from pulang.orgs.policies import may_act_on, may_view_restricted, role_allows, scope_q
from pulang.registry.codes import AbuseIndicator
from pulang.registry.models import Person, PersonOrganisationLink

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    VIEW_PERSONS = "registry.view_persons"
    REGISTER = "registry.register"
    EDIT_PERSONS = "registry.edit_persons"
    REVIEW_INTAKES = "registry.review_intakes"
    RECORD_CONSENT = "registry.record_consent"
    EXPORT_PERSON_DATA = "registry.export_person_data"
    REQUEST_ERASURE = "registry.request_erasure"
    DECIDE_ERASURE = "registry.decide_erasure"
    MERGE_PERSONS = "registry.merge_persons"


_OFFICE_WORK = frozenset(
    {
        Capability.VIEW_PERSONS,
        Capability.REGISTER,
        Capability.EDIT_PERSONS,
        Capability.REVIEW_INTAKES,
        Capability.RECORD_CONSENT,
        Capability.REQUEST_ERASURE,
    }
)
# Data-subject requests: anyone in an office may take one down; a supervisor or an
# administrator exports and decides on erasure (never the person who asked for it), and
# merges records of the same person (only in government offices: ``can_merge_persons``).
_SUPERVISION = frozenset(
    {Capability.EXPORT_PERSON_DATA, Capability.DECIDE_ERASURE, Capability.MERGE_PERSONS}
)
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CASE_WORKER: _OFFICE_WORK,
    Role.SUPERVISOR: _OFFICE_WORK | _SUPERVISION,
    Role.ADMINISTRATOR: _OFFICE_WORK | _SUPERVISION,
    Role.CONSULAR_OFFICER: frozenset(
        {
            Capability.VIEW_PERSONS,
            Capability.REGISTER,
            Capability.EDIT_PERSONS,
            Capability.RECORD_CONSENT,
        }
    ),
    # Agencies report the workers they placed and their returns, and see those records.
    Role.AGENCY_STAFF: frozenset({Capability.VIEW_PERSONS, Capability.REGISTER}),
}


# Trafficking indicators (ILO): two or more make a record restricted.
_TRAFFICKING = frozenset(
    {AbuseIndicator.FORCED_WORK, AbuseIndicator.CONFINEMENT, AbuseIndicator.DOCUMENTS_WITHHELD}
)


def restricts(*, is_minor: bool, abuse_indicators: Iterable[str]) -> bool:
    """Whether a record is restricted to staff with clearance: a child's, or one that
    reports sexual violence or signs of trafficking."""
    indicators = set(abuse_indicators)
    return (
        is_minor
        or AbuseIndicator.SEXUAL_VIOLENCE in indicators
        or len(indicators & _TRAFFICKING) >= 2
    )


def can(actor: Actor | None, capability: Capability) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, capability)


def links_own_records(actor: Actor) -> bool:
    """Registering a person makes them part of the organisation's own records only for
    organisations whose scope is their own records (agencies, providers, employers)."""
    return actor.scope_kind == ScopeKind.ORGANISATION


def person_scope_q(actor: Actor) -> Q:
    """The persons ``actor`` may see, as a filter (the query form of ``may_act_on_person``)."""
    visible = scope_q(
        actor,
        area_path="home_area__path",
        destination_country="abroad_in",
        home_country="nationality",
    ) | Q(
        Exists(
            PersonOrganisationLink.objects.filter(
                person=OuterRef("pk"), organisation=actor.organisation.pk
            )
        )
    )
    visible &= Q(erased_at__isnull=True, merged_into__isnull=True)
    if not may_view_restricted(actor):
        visible &= Q(is_restricted=False)
    return visible


def may_act_on_person(actor: Actor, person: Person, linked_organisation_ids: set[int]) -> bool:
    """Erased records are for nobody; merged ones live on in the record they were merged
    into (``selectors.person_get_for_actor`` points there)."""
    if person.erased_at is not None or person.merged_into_id is not None:
        return False
    return within_reach(actor, person, linked_organisation_ids)


def within_reach(actor: Actor, person: Person, linked_organisation_ids: set[int]) -> bool:
    """The person's record lies in the actor's scope (and clearance), whatever its state."""
    if person.is_restricted and not may_view_restricted(actor):
        return False
    return in_area_of_work(actor, person, linked_organisation_ids)


def in_area_of_work(actor: Actor, person: Person, linked_organisation_ids: set[int]) -> bool:
    """The person lives (or, abroad, stays) where the actor works, whatever the record's
    restriction: who may register or correct a record, which may then be restricted."""
    return may_act_on(
        actor,
        area=person.home_area,
        destination_country=person.abroad_in_id,
        home_country=person.nationality_id,
        organisation_ids=linked_organisation_ids,
    )


def can_merge_persons(actor: Actor | None) -> bool:
    """Merging and undoing merges: supervisors and administrators of government offices.
    (A consular post's supervisor sees workers only while abroad: never both stories.)"""
    return (
        actor is not None
        and can(actor, Capability.MERGE_PERSONS)
        and actor.organisation.kind in GOVERNMENT_OFFICE_KINDS
    )


def may_merge_person(actor: Actor, person: Person, linked_organisation_ids: set[int]) -> bool:
    """May ``actor`` merge this record into another, or another into it, or undo that?
    Every record of a merge must pass; restricted ones need clearance."""
    return (
        can_merge_persons(actor)
        and person.erased_at is None
        and within_reach(actor, person, linked_organisation_ids)
    )
