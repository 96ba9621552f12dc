"""Reads for linkage runs and for the review queue. A run acts for the system, over the
whole registry: its selectors take no actor. The review queue's selectors take the
reviewer and keep to the pairs within their reach."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet, prefetch_related_objects

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.errors import PermissionDenied
from pulang.linkage.models import CandidatePair, MatchModel, PairDecision
from pulang.linkage.policies import can_review_pairs, may_review_pair
from pulang.registry.models import Person
from pulang.registry.policies import person_scope_q
from pulang.registry.selectors import linked_organisation_ids

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

PairKey = tuple[int, int]


def linkage_current_model(*, model_format: int) -> MatchModel | None:
    """The newest trained model of the current format."""
    return MatchModel.objects.filter(model_format=model_format).order_by("-version").first()


def linkage_current_model_key(*, model_format: int) -> tuple[int, int] | None:
    """The id and version of the newest trained model of the current format (one cheap
    query: the door asks on every registration and keeps the settings by id)."""
    row = (
        MatchModel.objects.filter(model_format=model_format)
        .order_by("-version")
        .values_list("pk", "version")
        .first()
    )
    return (int(row[0]), int(row[1])) if row is not None else None


def linkage_model_settings(*, model_id: int) -> dict[str, Any]:
    """A stored model's complete Splink settings."""
    return dict(MatchModel.objects.values_list("settings", flat=True).get(pk=model_id))


def linkage_decided_pairs(*, person_ids: Collection[int]) -> dict[PairKey, set[str]]:
    """Every decision made about pairs among ``person_ids``."""
    decided: dict[PairKey, set[str]] = {}
    if not person_ids:
        return decided
    wanted = set(person_ids)
    rows = PairDecision.objects.values_list("person_a_id", "person_b_id", "decision")
    for a, b, decision in rows.iterator(chunk_size=20_000):
        if a in wanted and b in wanted:
            decided.setdefault((a, b), set()).add(decision)
    return decided


def linkage_open_pairs(*, person_ids: Collection[int]) -> set[PairKey]:
    """Pairs among ``person_ids`` already waiting in the review queue."""
    if not person_ids:
        return set()
    wanted = set(person_ids)
    rows = CandidatePair.objects.filter(status=CandidatePair.Status.QUEUED).values_list(
        "person_a_id", "person_b_id"
    )
    return {(a, b) for a, b in rows.iterator(chunk_size=20_000) if a in wanted and b in wanted}


def linkage_gone_persons(*, person_ids: Collection[int]) -> set[int]:
    """Persons among ``person_ids`` erased or merged into another since the run read them."""
    if not person_ids:
        return set()
    gone = Person.objects.filter(Q(erased_at__isnull=False) | Q(merged_into__isnull=False))
    return set(gone.values_list("pk", flat=True)) & set(person_ids)


# --- The review queue ------------------------------------------------------------------
# A reviewer sees the queued pairs whose two records both lie within their reach under the
# registry's merge rule (linkage.policies.may_review_pair); any other pair is "not found".

# Priority first (restricted records, possible harm, come first), then the likelier pair.
QUEUE_ORDER = ("-priority", "-match_probability", "pk")


@dataclass(frozen=True)
class PairFilters:
    run_id: int | None = None


def _reviewable(actor: Actor) -> QuerySet[CandidatePair]:
    """Pairs whose two records the actor could merge (the query form of the policy)."""
    within = Person.objects.filter(person_scope_q(actor)).values("pk")
    return CandidatePair.objects.filter(person_a__in=within, person_b__in=within)


def pair_queue(*, actor: Actor, filters: PairFilters | None = None) -> QuerySet[CandidatePair]:
    """Queued pairs in the actor's reach, in queue order, with both records' display
    data in the same query."""
    if not can_review_pairs(actor):
        raise PermissionDenied()
    pairs = _reviewable(actor).filter(status=CandidatePair.Status.QUEUED)
    if filters is not None and filters.run_id is not None:
        pairs = pairs.filter(run_id=filters.run_id)
    return pairs.select_related("run", "person_a__home_area", "person_b__home_area").order_by(
        *QUEUE_ORDER
    )


def pair_get_for_actor(*, actor: Actor, pair_id: int, audit_view: bool = False) -> CandidatePair:
    """The pair, or :class:`NotFound` (audited) when missing or outside the actor's reach.
    With ``audit_view`` the look is recorded (the pair and its state, never names)."""
    pair = (
        CandidatePair.objects.select_related(
            "run", "decided_by", "person_a__home_area", "person_b__home_area"
        )
        .filter(pk=pair_id)
        .first()
    )
    if (
        pair is None
        or not can_review_pairs(actor)
        or not may_review_pair(
            actor,
            pair.person_a,
            pair.person_b,
            linked_a=linked_organisation_ids(pair.person_a),
            linked_b=linked_organisation_ids(pair.person_b),
        )
    ):
        raise refuse(actor, subject_type="linkage.candidatepair", subject_id=str(pair_id))
    if audit_view:
        record(actor, Action.PAIR_VIEWED, pair, details={"status": pair.status, "run": pair.run_id})
    return pair


def pair_review(*, actor: Actor, pair_id: int) -> CandidatePair:
    """The pair with everything the side-by-side page shows of both records (other
    spellings, documents, stays abroad, returns); the look is audited."""
    pair = pair_get_for_actor(actor=actor, pair_id=pair_id, audit_view=True)
    prefetch_related_objects(
        [pair.person_a, pair.person_b],
        "names",
        "identifiers",
        "episodes__destination_country",
        "returns",
    )
    return pair


def pair_next_id(*, actor: Actor, after: CandidatePair) -> int | None:
    """The pair after ``after`` in the actor's queue, or the first one left."""
    queue = pair_queue(actor=actor).exclude(pk=after.pk)
    later = queue.filter(
        Q(priority__lt=after.priority)
        | Q(priority=after.priority, match_probability__lt=after.match_probability)
        | Q(priority=after.priority, match_probability=after.match_probability, pk__gt=after.pk)
    )
    found: int | None = later.values_list("pk", flat=True).first()
    if found is None:
        found = queue.values_list("pk", flat=True).first()
    return found
