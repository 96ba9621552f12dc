"""Who may start a linkage run: the system (command line, scheduled jobs, tasks) and
national administrators. A run reads the whole registry, across every scope, so no
narrower role may start one; its results are reviewed in the queue, within each
reviewer's scope."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pulang.orgs.models import OrganisationKind, Role
from pulang.orgs.policies import role_allows
from pulang.registry.policies import can_merge_persons, may_merge_person

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Person


class Capability(enum.StrEnum):
    RUN = "linkage.run"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMINISTRATOR: frozenset({Capability.RUN}),
}


def can_run_linkage(actor: Actor | None) -> bool:
    if actor is None:
        return True
    return (
        role_allows(actor, ROLE_CAPABILITIES, Capability.RUN)
        and actor.organisation.kind == OrganisationKind.NATIONAL_AGENCY
    )


# --- The review queue ------------------------------------------------------------------
# A pair is reviewed by someone who could merge it: the registry's merge rule, applied to
# both records (supervisors and administrators of government offices whose scope covers
# both; restricted records need clearance). Anyone else is told the pair does not exist.


def can_review_pairs(actor: Actor | None) -> bool:
    """May ``actor`` open the review queue at all?"""
    return actor is not None and can_merge_persons(actor)


def may_review_pair(
    actor: Actor,
    person_a: Person,
    person_b: Person,
    *,
    linked_a: set[int],
    linked_b: set[int],
) -> bool:
    """May ``actor`` see and decide the pair of these two records?"""
    return (
        can_review_pairs(actor)
        and may_merge_person(actor, person_a, linked_a)
        and may_merge_person(actor, person_b, linked_b)
    )
