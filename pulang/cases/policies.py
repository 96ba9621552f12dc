"""Who may do what with cases, and where.

Where: the shared rule (``orgs.policies.may_act_on``) applied to the case's place — the
area it is followed in at home, the destination country while the worker is abroad —
and to the office holding it. Restricted cases need clearance besides: without it, a
restricted case does not exist for the actor (``selectors`` answer "not found")."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from django.db.models import Q

from pulang.cases.models import Case, Sensitivity
from pulang.orgs.models import Role
from pulang.orgs.policies import may_act_on, may_view_restricted, role_allows, scope_q

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    VIEW_CASES = "cases.view_cases"
    OPEN_CASES = "cases.open_cases"
    # Move a case along, record follow-ups, contacts and notes; take an unassigned case.
    WORK_CASES = "cases.work_cases"
    # Give a case to someone else, or to another office.
    ASSIGN_CASES = "cases.assign_cases"


_CASE_WORK = frozenset({Capability.VIEW_CASES, Capability.OPEN_CASES, Capability.WORK_CASES})
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CASE_WORKER: _CASE_WORK,
    Role.CONSULAR_OFFICER: _CASE_WORK,
    Role.SUPERVISOR: _CASE_WORK | {Capability.ASSIGN_CASES},
    Role.ADMINISTRATOR: _CASE_WORK | {Capability.ASSIGN_CASES},
    # Analysts and auditors see figures and the audit log, never a case's contents;
    # providers see referrals (minimum necessary), never the case.
}


def can(actor: Actor | None, capability: Capability) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, capability)


def may_see_case(actor: Actor, case: Case) -> bool:
    """The case lies in the actor's reach (and clearance)."""
    if not can(actor, Capability.VIEW_CASES):
        return False
    if case.is_restricted and not may_view_restricted(actor):
        return False
    return may_act_on(
        actor,
        area=case.area,
        destination_country=case.abroad_in_id,
        organisation_id=case.organisation_id,
    )


def case_scope_q(actor: Actor) -> Q:
    """The cases ``actor`` may see, as a filter (the query form of ``may_see_case``)."""
    if not can(actor, Capability.VIEW_CASES):
        return Q(pk__in=[])
    visible = scope_q(
        actor, area="area", destination_country="abroad_in", organisation="organisation"
    )
    if not may_view_restricted(actor):
        visible &= Q(sensitivity=Sensitivity.STANDARD)
    return visible


def may_own_case(actor: Actor, case: Case) -> bool:
    """Someone may be given a case: a member of the office holding it who works cases,
    with clearance for a restricted one."""
    return (
        actor.organisation.pk == case.organisation_id
        and can(actor, Capability.WORK_CASES)
        and (not case.is_restricted or may_view_restricted(actor))
    )
