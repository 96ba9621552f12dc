"""One linkage run, start to end: extract the registry, link it with the engine, then
write everything in one transaction (the model if a new one was trained, the candidate
pairs, the automatic links, the run's figures). An error anywhere, the write phase
included, leaves the queue and the registry as they were; the run is then marked failed
with the phase and the kind of error (never data from the registry).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import DomainError
from pulang.linkage.errors import LinkageRunFailed, NoMatchModel, RunNotRunnable
from pulang.linkage.models import (
    TRANSITIONS,
    CandidatePair,
    CommonWord,
    LinkageRun,
    MatchModel,
    PairDecision,
    TermFrequency,
)
from pulang.linkage.pipeline import automatic, engine, extract
from pulang.linkage.pipeline.model import MODEL_FORMAT
from pulang.linkage.selectors import (
    linkage_current_model,
    linkage_decided_pairs,
    linkage_gone_persons,
    linkage_open_pairs,
)

logger = logging.getLogger(__name__)
_BULK = 2000


@dataclass
class Outcome:
    """The counts a run writes on itself."""

    queued: int = 0
    auto_linked: int = 0
    skipped_decided: int = 0
    skipped_open: int = 0
    skipped_gone: int = 0
    merges: int = 0


class _Phases:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.current = "start"

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.current = name
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(
                self.timings.get(name, 0.0) + time.perf_counter() - started, 2
            )


def _move(run: LinkageRun, status: str) -> None:
    if status not in TRANSITIONS[run.status]:
        raise RunNotRunnable()
    run.status = status


def start(run_id: int) -> LinkageRun:
    """queued → running, committed at once so that others see the run is under way."""
    with transaction.atomic():
        run = LinkageRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != LinkageRun.Status.QUEUED:
            raise RunNotRunnable()
        _move(run, LinkageRun.Status.RUNNING)
        run.started_at = timezone.now()
        run.auto_threshold = float(settings.PULANG_LINKAGE_AUTO_THRESHOLD)
        run.review_threshold = float(settings.PULANG_LINKAGE_REVIEW_THRESHOLD)
        run.save(update_fields=["status", "started_at", "auto_threshold", "review_threshold"])
    return run


@dataclass(frozen=True)
class Observer:
    """Looks at a run's engine while it works (bench.linkage measures with it): keep
    scored pairs from ``keep_from`` up, see the blocked pairs, see the result."""

    keep_from: float | None = None
    on_blocked: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None
    on_result: Callable[[engine.Result], None] | None = None


def execute(run_id: int, *, observer: Observer | None = None) -> LinkageRun:
    """Run a queued linkage run to its end; returns it succeeded or failed."""
    run = start(run_id)
    phases = _Phases()
    try:
        with phases("extract"):
            scope = extract.batch_person_ids(run.batch_id) if run.batch_id else None
            raw = extract.registry_tables(scope=scope)
        phases.current = "link"
        stored = None if run.retrain else linkage_current_model(model_format=MODEL_FORMAT)
        assert run.review_threshold is not None and run.auto_threshold is not None  # noqa: S101
        options = engine.Options(
            review_threshold=run.review_threshold,
            auto_threshold=run.auto_threshold,
            keep_from=observer.keep_from if observer is not None else None,
            scoped=scope is not None,
            memory_limit=settings.PULANG_LINKAGE_MEMORY_LIMIT,
            threads=settings.PULANG_LINKAGE_THREADS,
        )
        if stored is None and scope is not None:
            raise NoMatchModel()
        people = raw.count()
        if stored is None and people < engine.MIN_RECORDS_TO_TRAIN:
            raise LinkageRunFailed(
                _("The registry has %(records)s people: a model needs at least %(least)s."),
                records=people,
                least=engine.MIN_RECORDS_TO_TRAIN,
            )
        result = engine.link(
            raw,
            options=options,
            stored=stored.settings if stored is not None else None,
            on_blocked=observer.on_blocked if observer is not None else None,
        )
        del raw
        for name, seconds in result.timings.items():
            phases.timings[name] = seconds
        try:
            if observer is not None and observer.on_result is not None:
                observer.on_result(result)
            with phases("collect"):
                pairs = list(engine.scored_pairs(result, threshold=run.review_threshold))
        finally:
            result.close()
        with phases("write"):
            write(run, result=result, stored=stored, pairs=pairs, timings=phases.timings)
    except Exception as exc:
        return fail(run, phase=phases.current, error=exc)
    return run


def _new_model(result: engine.Result, run: LinkageRun) -> MatchModel:
    assert result.model is not None and result.trained is not None  # noqa: S101
    assert run.auto_threshold is not None and run.review_threshold is not None  # noqa: S101
    top = MatchModel.objects.aggregate(top=Max("version"))["top"] or 0
    trained = result.trained
    return MatchModel.objects.create(
        version=top + 1,
        model_format=MODEL_FORMAT,
        settings=result.model,
        auto_threshold=run.auto_threshold,
        review_threshold=run.review_threshold,
        trained_at=timezone.now(),
        trained_records=result.records,
        summary={
            "seconds": trained.seconds,
            "prior": trained.prior,
            "prior_by_evidence": trained.prior_by_rule,
            "seed": engine.SEED,
            "splink": engine.splink_version(),
            "levels": engine.level_weights(result.model),
        },
    )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start_at in range(0, len(items), size):
        yield items[start_at : start_at + size]


def write(
    run: LinkageRun,
    *,
    result: engine.Result,
    stored: MatchModel | None,
    pairs: Sequence[engine.ScoredPair],
    timings: dict[str, float],
) -> Outcome:
    """The one transaction of a run: the model (when new), the candidate pairs, the
    automatic links and their decisions, the run's figures and its audit event."""
    assert run.auto_threshold is not None  # noqa: S101
    started = time.perf_counter()
    outcome = Outcome()
    now = timezone.now()
    with transaction.atomic():
        model = stored if stored is not None else _new_model(result, run)
        if result.common_words is not None:
            CommonWord.objects.all().delete()
            CommonWord.objects.bulk_create(
                [
                    CommonWord(word=w[:100], persons=n, counted_at=now)
                    for w, n in result.common_words
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
        if result.common_values is not None:
            TermFrequency.objects.all().delete()
            TermFrequency.objects.bulk_create(
                [
                    TermFrequency(column=c, value=v[:200], persons=n, counted_at=now)
                    for c, v, n in result.common_values
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
        if stored is None:
            record(
                None,
                Action.LINKAGE_MODEL_TRAINED,
                model,
                details={"version": model.version, "records": model.trained_records},
            )
        persons = {p for pair in pairs for p in (pair.person_a, pair.person_b)}
        gone = linkage_gone_persons(person_ids=persons)
        decided = linkage_decided_pairs(person_ids=persons)
        open_pairs = linkage_open_pairs(person_ids=persons)
        auto_link = bool(settings.PULANG_LINKAGE_AUTO_LINK)
        kept: list[engine.ScoredPair] = []
        to_link: list[engine.ScoredPair] = []
        for pair in pairs:
            key = (pair.person_a, pair.person_b)
            if pair.person_a in gone or pair.person_b in gone:
                outcome.skipped_gone += 1
                continue
            decisions = decided.get(key, set())
            if PairDecision.Decision.DIFFERENT in decisions:
                outcome.skipped_decided += 1
                continue
            if key in open_pairs:
                outcome.skipped_open += 1
                continue
            kept.append(pair)
            if (
                auto_link
                and not decisions
                and pair.shares_verified_id
                and pair.probability >= run.auto_threshold
            ):
                to_link.append(pair)
        linked = automatic.link(pairs=to_link, reason=f"linkage run {run.pk}")
        outcome.merges = linked.merges
        automatic_keys = {
            (pair.person_a, pair.person_b)
            for pair in to_link
            if pair.person_a not in linked.refused and pair.person_b not in linked.refused
        }
        linked_rows: list[CandidatePair] = []
        created = 0
        for chunk in _chunks(kept, _BULK):
            rows = CandidatePair.objects.bulk_create(
                [
                    _candidate(run, pair, now, (pair.person_a, pair.person_b) in automatic_keys)
                    for pair in chunk
                ]
            )
            created += len(rows)
            linked_rows += [row for row in rows if row.status == CandidatePair.Status.AUTO_LINKED]
        PairDecision.objects.bulk_create(
            [
                PairDecision(
                    person_a_id=row.person_a_id,
                    person_b_id=row.person_b_id,
                    decision=PairDecision.Decision.SAME,
                    note=f"linkage run {run.pk}",
                    pair=row,
                    decided_by=None,
                    decided_at=now,
                )
                for row in linked_rows
            ],
            batch_size=_BULK,
        )
        outcome.auto_linked = len(automatic_keys)
        outcome.queued = created - outcome.auto_linked
        run.model = model
        run.records = result.records
        run.comparisons = result.comparisons
        run.pairs_above_review = len(pairs)
        run.auto_linked = outcome.auto_linked
        run.queued = outcome.queued
        run.skipped_decided = outcome.skipped_decided
        run.skipped_open = outcome.skipped_open
        run.clusters = result.clusters
        _move(run, LinkageRun.Status.SUCCEEDED)
        run.finished_at = timezone.now()
        run.timings = {**timings, "write": round(time.perf_counter() - started, 2)}
        run.save()
        record(None, Action.LINKAGE_RUN_FINISHED, run, details=_details(run, outcome))
    return outcome


def _candidate(
    run: LinkageRun, pair: engine.ScoredPair, now: dt.datetime, linked: bool
) -> CandidatePair:
    return CandidatePair(
        run=run,
        person_a_id=pair.person_a,
        person_b_id=pair.person_b,
        match_probability=min(1.0, max(0.0, pair.probability)),
        match_weight=pair.weight,
        comparisons=pair.comparisons,
        status=CandidatePair.Status.AUTO_LINKED if linked else CandidatePair.Status.QUEUED,
        priority=pair.probability + (CandidatePair.RESTRICTED_BOOST if pair.restricted else 0.0),
        created_at=now,
        decided_at=now if linked else None,
    )


def _details(run: LinkageRun, outcome: Outcome) -> dict[str, Any]:
    return {
        "model": run.model.version if run.model else None,
        "scope": run.scope,
        "batch": run.batch_id,
        "records": run.records,
        "comparisons": run.comparisons,
        "pairs": run.pairs_above_review,
        "queued": outcome.queued,
        "auto_linked": outcome.auto_linked,
        "merges": outcome.merges,
        "skipped_decided": outcome.skipped_decided,
        "skipped_open": outcome.skipped_open,
        "skipped_gone": outcome.skipped_gone,
    }


def fail(run: LinkageRun, *, phase: str, error: BaseException) -> LinkageRun:
    """Mark the run failed (its results were rolled back). Only our own errors' messages
    are kept: another library's message may quote values from the registry."""
    kind = type(error).__name__
    text = error.text if isinstance(error, DomainError) else ""
    logger.warning("linkage run %s failed in %s: %s", run.pk, phase, kind)
    with transaction.atomic():
        fresh = LinkageRun.objects.select_for_update().get(pk=run.pk)
        if fresh.status in TRANSITIONS and LinkageRun.Status.FAILED in TRANSITIONS[fresh.status]:
            fresh.status = LinkageRun.Status.FAILED
        fresh.finished_at = timezone.now()
        fresh.error = f"{phase}: {kind}" + (f": {text}" if text else "")
        fresh.error = fresh.error[:500]
        fresh.save(update_fields=["status", "finished_at", "error"])
        record(
            None,
            Action.LINKAGE_RUN_FAILED,
            fresh,
            details={"phase": phase, "error": kind},
        )
    return fresh
