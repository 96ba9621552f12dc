"""Who may assess whom. The role table says who may record and read assessments; where
they may is the registry's rule for persons (``registry.selectors.person_get_for_actor``):
offices for persons whose home area lies in their area, consular posts for workers in
their destination country. Restricted assessments (trafficking, sexual violence, minors)
are for users with clearance, and for the officer who recorded them."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pulang.orgs.models import Role, ScopeKind
from pulang.orgs.policies import may_view_restricted, role_allows

if TYPE_CHECKING:
    from pulang.assessments.models import Assessment
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    VIEW = "assessments.view"
    RECORD = "assessments.record"


_ASSESS = frozenset({Capability.VIEW, Capability.RECORD})
# Providers see what a referral shares with them, analysts aggregates, agencies and
# employers nothing of a person's needs: none of them reads assessments here.
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CASE_WORKER: _ASSESS,
    Role.SUPERVISOR: _ASSESS,
    Role.CONSULAR_OFFICER: _ASSESS,
}


def can(actor: Actor | None, capability: Capability) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, capability)


def assesses_abroad(actor: Actor) -> bool:
    """Consular posts assess before return (R-NEED-2); offices at home."""
    return actor.scope_kind == ScopeKind.DESTINATION


def may_see_assessment(actor: Actor, assessment: Assessment) -> bool:
    return (
        not assessment.is_restricted
        or may_view_restricted(actor)
        or assessment.assessed_by_id == actor.user.pk
    )
