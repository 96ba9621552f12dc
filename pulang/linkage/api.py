"""The review queue over HTTP: the pairs waiting in the caller's reach, one pair with the
weight of every comparison, and the decision. A pair outside the caller's reach is a 404
problem (audited), exactly like a missing one."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from pulang.linkage.presenters import comparison_rows
from pulang.linkage.schemas import (
    DecisionIn,
    DecisionOut,
    PairFilter,
    PairOut,
    PairPage,
    PairSummaryOut,
)
from pulang.linkage.selectors import PairFilters, pair_get_for_actor, pair_queue
from pulang.linkage.services import pair_decide
from pulang.orgs.actor import Actor

router = Router(tags=["linkage"])


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined, no-any-return]


@router.get("/pairs", response=PairPage, summary="Pairs waiting for review")
def list_pairs(request: HttpRequest, filters: Query[PairFilter]) -> PairPage:
    """Queued pairs in the caller's reach, the most urgent first (restricted records, then
    the likeliest). Names of restricted records are left out of the list."""
    limit = max(1, min(filters.limit, 200))
    offset = max(0, filters.offset)
    rows = list(
        pair_queue(actor=_actor(request), filters=PairFilters(run_id=filters.run))[
            offset : offset + limit + 1
        ]
    )
    return PairPage(
        items=[PairSummaryOut.of(pair) for pair in rows[:limit]],
        next_offset=offset + limit if len(rows) > limit else None,
    )


@router.get("/pairs/{pair_id}", response=PairOut, summary="One pair, side by side")
def get_pair(request: HttpRequest, pair_id: int) -> PairOut:
    """Both records and every comparison with its weight; the look is audited."""
    pair = pair_get_for_actor(actor=_actor(request), pair_id=pair_id, audit_view=True)
    return PairOut.of(pair, comparison_rows(pair.comparisons))


@router.post("/pairs/{pair_id}/decision", response=DecisionOut, summary="Decide a pair")
def decide_pair(request: HttpRequest, pair_id: int, body: DecisionIn) -> DecisionOut:
    """`same` merges person B into person A (undo with `/registry/merges/{id}/unmerge`);
    `different` keeps the pair out of later runs; `unsure` needs a note. 409 when the pair
    was decided meanwhile (`linkage.pair_already_decided`) or a record changed since it was
    read (`registry.stale_record`): nothing is written."""
    decided = pair_decide(
        actor=_actor(request),
        pair_id=pair_id,
        decision=body.decision,
        note=body.note,
        expected_versions=(body.versions.a, body.versions.b),
    )
    made = decided.decision
    return DecisionOut(
        id=made.pk,
        pair_id=decided.pair.pk,
        decision=made.decision,
        note=made.note,
        decided_at=made.decided_at,
        status=decided.pair.status,
        merge_id=decided.merge_id,
    )
