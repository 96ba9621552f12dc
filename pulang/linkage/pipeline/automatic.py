"""Automatic links: the one place where persons are merged without a person deciding.

A pair is linked automatically only when its match probability is at or above the
automatic threshold *and* both records carry the same verified document number, and
nobody has ever decided anything about it (pipeline/run.py). Pairs that chain together
(A-B, B-C) are merged into the person with the smallest id, the one registered first.
The merges are the registry's ``persons_merge_automatic``: what ``person_merge`` does,
many groups at a time, kept and undone (``person_unmerge``) the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulang.linkage.pipeline.engine import ScoredPair
from pulang.registry.services import AutomaticMerges, persons_merge_automatic


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


def link(*, pairs: Sequence[ScoredPair], reason: str) -> AutomaticMerges:
    """Merge each group into its first person, inside the run's transaction; a merge the
    registry refuses (a record changed, merged or erased meanwhile) is skipped and its
    record listed in ``refused``, so that its pairs go to the review queue instead."""
    return persons_merge_automatic(groups=groups(pairs), reason=reason)
