"""Whom an import may add to: a row naming the national ID number of a person already
registered adds to that person's record only when the importer may act on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulang.registry.imports.errors import ImportOutOfReach
from pulang.registry.models import Person
from pulang.registry.policies import person_scope_q

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


REACH_CHUNK = 2000


def out_of_reach(actor: Actor, person_ids: set[int]) -> set[int]:
    """The registered people among ``person_ids`` that ``actor`` may not act on: a row
    naming their national ID number must not add to their record (nor, for an agency,
    make it part of the agency's records) — the same rule as a link at the door."""
    ordered = sorted(person_ids)
    visible: set[int] = set()
    for start in range(0, len(ordered), REACH_CHUNK):
        chunk = ordered[start : start + REACH_CHUNK]
        visible |= set(
            Person.objects.filter(person_scope_q(actor), pk__in=chunk).values_list("pk", flat=True)
        )
    return set(ordered) - visible


def refuse_out_of_reach(actor: Actor, person_ids: set[int]) -> None:
    if person_ids and out_of_reach(actor, person_ids):
        raise ImportOutOfReach()
