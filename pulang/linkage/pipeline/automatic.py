"""Automatic links: the one place where persons are merged without a person deciding.

A pair is linked automatically only when its match probability is at or above the
automatic threshold *and* both records carry the same verified document number, and
nobody has ever decided anything about it (pipeline/run.py). Pairs that chain together
(A-B, B-C) are merged into the person with the smallest id, the one registered first.
The merge itself is the registry's ``person_merge``, which keeps every record of both
persons and can be undone (``person_unmerge``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pulang.errors import DomainError
from pulang.linkage.pipeline.engine import ScoredPair
from pulang.registry.services.merge import person_merge


def groups(pairs: Sequence[ScoredPair]) -> list[list[int]]:
    """Persons joined by the pairs, each group sorted (union-find)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = root(pair.person_a), root(pair.person_b)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for person in parent:
        members.setdefault(root(person), []).append(person)
    return [sorted(group) for _, group in sorted(members.items())]


@dataclass
class Linked:
    merges: int = 0
    # Persons whose merge the registry refused (changed, merged or erased meanwhile):
    # their pairs go to the review queue instead.
    refused: set[int] = field(default_factory=set)


def link(*, pairs: Sequence[ScoredPair], reason: str) -> Linked:
    """Merge each group into its first person; runs inside the run's transaction (each
    merge in its own savepoint, so a refused one leaves nothing behind)."""
    linked = Linked()
    for group in groups(pairs):
        survivor, *absorbed = group
        for person in absorbed:
            try:
                person_merge(
                    actor=None,
                    survivor_id=survivor,
                    absorbed_id=person,
                    reason=reason,
                    automatic=True,
                )
            except DomainError:
                linked.refused.add(person)
                continue
            linked.merges += 1
    return linked
