"""Linkage runs: request one (queued, audited, handed to the task worker), and carry it
out. Evaluation on a labelled file is here too, though it writes nothing, so that the
command line calls one service for each thing it does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import InvalidInput, PermissionDenied
from pulang.linkage.errors import PairAlreadyDecided, UnknownBatch
from pulang.linkage.models import CandidatePair, LinkageRun, PairDecision
from pulang.linkage.pipeline import evaluation, run
from pulang.linkage.policies import can_run_linkage
from pulang.linkage.selectors import pair_get_for_actor
from pulang.orgs.actor import Actor
from pulang.registry.errors import StaleRecord
from pulang.registry.imports.models import ImportBatch
from pulang.registry.models import Person
from pulang.registry.services import person_merge


def linkage_run_request(
    *,
    actor: Actor | None,
    batch_id: int | None = None,
    retrain: bool = False,
    enqueue: Callable[[int], str] | None = None,
) -> LinkageRun:
    """Queue a linkage run of the whole registry, or of one imported batch against it.
    With ``enqueue`` the task worker starts it once the request is committed; without,
    the caller runs it (``linkage_run_execute``)."""
    if not can_run_linkage(actor):
        raise PermissionDenied()
    if batch_id is not None and not ImportBatch.objects.filter(pk=batch_id).exists():
        raise UnknownBatch(id=batch_id)
    with transaction.atomic():
        linkage = LinkageRun.objects.create(
            scope=LinkageRun.Scope.BATCH if batch_id is not None else LinkageRun.Scope.REGISTRY,
            batch_id=batch_id,
            retrain=retrain,
            status=LinkageRun.Status.QUEUED,
            requested_by=actor.user if actor is not None else None,
            requested_at=timezone.now(),
        )
        record(
            actor,
            Action.LINKAGE_RUN_REQUESTED,
            linkage,
            details={"scope": linkage.scope, "batch": batch_id, "retrain": retrain},
        )
        if enqueue is not None:
            transaction.on_commit(lambda: _enqueued(linkage.pk, enqueue))
    return linkage


def _enqueued(run_id: int, enqueue: Callable[[int], str]) -> None:
    task_id = enqueue(run_id)
    LinkageRun.objects.filter(pk=run_id).update(task_id=task_id[:64])


def linkage_run_execute(*, run_id: int) -> LinkageRun:
    """Carry out a queued run (the task, or the command line). Its results are written in
    one transaction at the end; a failure is recorded on the run and changes nothing."""
    return run.execute(run_id)


def linkage_evaluate_files(
    *,
    records_path: Path,
    truth_path: Path,
    review_threshold: float,
    auto_threshold: float,
    sweep: tuple[float, ...] = (),
) -> evaluation.Figures:
    """Measure the pipeline on a labelled file in the generic layout; touches no database."""
    return evaluation.evaluate_files(
        records_path,
        truth_path,
        review_threshold=review_threshold,
        auto_threshold=auto_threshold,
        sweep=sweep,
        memory_limit=settings.PULANG_LINKAGE_MEMORY_LIMIT,
        threads=settings.PULANG_LINKAGE_THREADS,
    )


# --- The review queue: a steward's decision on a pair ----------------------------------

NOTE_MAX = 500
DECIDED_STATUS: dict[str, str] = {
    PairDecision.Decision.SAME: CandidatePair.Status.DECIDED_SAME,
    PairDecision.Decision.DIFFERENT: CandidatePair.Status.DECIDED_DIFFERENT,
    PairDecision.Decision.UNSURE: CandidatePair.Status.DECIDED_UNSURE,
}


@dataclass(frozen=True)
class PairDecided:
    pair: CandidatePair
    decision: PairDecision

    @property
    def merge_id(self) -> int | None:
        """The merge made for "the same person"."""
        return self.decision.merge_id


def _decision(value: str) -> str:
    if value not in DECIDED_STATUS:
        raise InvalidInput(
            errors=[{"field": "decision", "reason": _("choose same, different or unsure")}]
        )
    return value


def _note(value: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput(errors=[{"field": "note", "reason": _("say why you are not sure")}])
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            errors=[
                {"field": "note", "reason": _("at most %(count)d characters") % {"count": NOTE_MAX}}
            ]
        )
    return text


def pair_decide(
    *,
    actor: Actor,
    pair_id: int,
    decision: str,
    note: str,
    expected_versions: tuple[int, int],
) -> PairDecided:
    """Decide a queued pair: ``same`` (the older record, the lower id, absorbs the other
    through the registry's merge), ``different`` (remembered: later runs skip the pair)
    or ``unsure`` (a note is required).

    ``expected_versions`` are the versions of (person A, person B) the reviewer saw; if
    either record changed since, :class:`StaleRecord` and nothing is written. A pair
    decided meanwhile raises :class:`PairAlreadyDecided`. A pair outside the reviewer's
    reach is not found (audited).
    """
    pair = pair_get_for_actor(actor=actor, pair_id=pair_id)
    choice = _decision(decision)
    text = _note(note, required=choice == PairDecision.Decision.UNSURE)
    if pair.status != CandidatePair.Status.QUEUED:
        raise PairAlreadyDecided()
    seen = (pair.person_a.version, pair.person_b.version)
    if tuple(expected_versions) != seen:
        raise StaleRecord()

    with transaction.atomic():
        locked = CandidatePair.objects.select_for_update().get(pk=pair.pk)
        if locked.status != CandidatePair.Status.QUEUED:
            raise PairAlreadyDecided()
        merge_id: int | None = None
        if choice == PairDecision.Decision.SAME:
            merge = person_merge(
                actor=actor,
                survivor_id=locked.person_a_id,
                absorbed_id=locked.person_b_id,
                reason=text
                or _("The same person, decided in the review of duplicates (pair %(pair)d).")
                % {"pair": locked.pk},
                expected_versions=seen,
            )
            merge_id = merge.pk
        else:
            # Lock both records in id order, as merges do, and check nobody changed them.
            current = tuple(
                Person.objects.select_for_update()
                .filter(pk__in=[locked.person_a_id, locked.person_b_id])
                .order_by("pk")
                .values_list("version", flat=True)
            )
            if current != seen:
                raise StaleRecord()
        now = timezone.now()
        locked.status = DECIDED_STATUS[choice]
        locked.decided_by = actor.user
        locked.decided_at = now
        locked.decision_note = text
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        made = PairDecision.objects.create(
            person_a_id=locked.person_a_id,
            person_b_id=locked.person_b_id,
            decision=choice,
            note=text,
            pair=locked,
            merge_id=merge_id,
            decided_by=actor.user,
            decided_at=now,
        )
        record(
            actor,
            Action.PAIR_DECIDED,
            locked,
            details={"decision": choice, "run": locked.run_id, "merge": merge_id},
        )
    return PairDecided(pair=locked, decision=made)
