"""Linkage runs on the registry: what they write, what they leave alone, who may ask."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from pulang.audit.models import AuditEvent
from pulang.errors import PermissionDenied
from pulang.linkage.errors import UnknownBatch
from pulang.linkage.models import CandidatePair, LinkageRun, MatchModel, PairDecision
from pulang.linkage.pipeline import extract, run
from pulang.linkage.services import linkage_run_execute, linkage_run_request
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.imports.models import ImportBatch
from pulang.registry.models import IntakeRecord, Person
from pulang.registry.services.merge import person_merge
from tests.factories import World
from tests.factories import person as persona
from tests.linkage.helpers import seed

pytestmark = pytest.mark.django_db

COMPARISONS = {"name", "birth_date", "ids", "phone", "area", "address", "sex"}
# Stored models are reused between runs of one test: train once per test module.
_trained: dict[str, Any] = {}


def _linked(**changes: Any) -> LinkageRun:
    requested = linkage_run_request(actor=None, **changes)
    return linkage_run_execute(run_id=requested.pk)


def _with_model() -> None:
    """A stored model, trained by the first test that needed one."""
    if "settings" in _trained:
        MatchModel.objects.create(
            version=1,
            model_format=_trained["format"],
            settings=_trained["settings"],
            auto_threshold=0.999,
            review_threshold=0.8,
            trained_at=timezone.now(),
            trained_records=1,
        )


def _remember(linkage: LinkageRun) -> None:
    assert linkage.model is not None
    _trained.setdefault("settings", linkage.model.settings)
    _trained.setdefault("format", linkage.model.model_format)


def _snapshot() -> tuple[object, ...]:
    return (
        list(CandidatePair.objects.values_list("person_a", "person_b", "status")),
        list(PairDecision.objects.values_list("person_a", "person_b", "decision")),
        list(MatchModel.objects.values_list("version", flat=True)),
        list(Person.objects.filter(merged_into__isnull=False).values_list("pk", flat=True)),
    )


def test_a_run_queues_pairs_links_sure_ones_and_explains_each(world: World, tmp_path: Path) -> None:
    seed(tmp_path, persons=300, duplicates=0.3)

    linkage = _linked(retrain=True)
    _remember(linkage)

    assert linkage.status == LinkageRun.Status.SUCCEEDED
    assert linkage.error == ""
    assert linkage.model is not None and linkage.model.version == 1
    assert linkage.records == Person.objects.count()
    pairs = list(CandidatePair.objects.filter(run=linkage))
    assert len(pairs) == linkage.queued + linkage.auto_linked == linkage.pairs_above_review
    assert linkage.queued > 0 and linkage.auto_linked > 0
    assert all(p.person_a_id < p.person_b_id for p in pairs)
    assert all(p.match_probability >= 0.8 for p in pairs)
    assert set(pairs[0].comparisons) == COMPARISONS
    assert set(pairs[0].comparisons["name"]) == {"level", "weight", "value_a", "value_b"}
    assert list(linkage.timings) == [
        "extract", "prepare", "train", "block", "predict", "cluster", "collect", "write",
    ]  # fmt: skip
    # Each automatic link merged the later record into the earlier, and says so.
    automatic = [p for p in pairs if p.status == CandidatePair.Status.AUTO_LINKED]
    merged = set(Person.objects.filter(merged_into__isnull=False).values_list("pk", flat=True))
    assert {p.person_b_id for p in automatic} <= merged
    decisions = PairDecision.objects.filter(decision=PairDecision.Decision.SAME)
    assert sorted(decisions.values_list("pair_id", flat=True)) == sorted(p.pk for p in automatic)
    actions = list(
        AuditEvent.objects.filter(action__startswith="linkage.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["linkage.run_requested", "linkage.model_trained", "linkage.run_finished"]


def test_an_interrupted_write_leaves_queue_and_registry_as_they_were(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(tmp_path, persons=300, duplicates=0.3)
    _with_model()
    before = _snapshot()
    real_record = run.record

    def interrupted(actor: object, action: str, *args: object, **kwargs: object) -> object:
        if action == "linkage.run_finished":  # the very last write of the transaction
            raise RuntimeError("power cut")
        return real_record(actor, action, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run, "record", interrupted)

    linkage = _linked(retrain="settings" not in _trained)

    assert linkage.status == LinkageRun.Status.FAILED
    assert linkage.error == "write: RuntimeError"
    assert _snapshot() == before
    assert CandidatePair.objects.count() == 0
    assert Person.objects.filter(merged_into__isnull=False).count() == 0
    failed = AuditEvent.objects.get(action="linkage.run_failed")
    assert failed.details == {"phase": "write", "error": "RuntimeError"}


@override_settings(PULANG_LINKAGE_AUTO_LINK=False)
def test_different_people_never_return_and_open_pairs_are_not_repeated(
    world: World, tmp_path: Path
) -> None:
    seed(tmp_path, persons=300, duplicates=0.3)
    _with_model()
    first = _linked(retrain="settings" not in _trained)
    _remember(first)
    assert first.auto_linked == 0
    queued = list(CandidatePair.objects.filter(run=first).order_by("pk"))
    assert len(queued) == first.queued > 2
    different, unsure = queued[0], queued[1]
    for pair, decision in ((different, "different"), (unsure, "unsure")):
        pair.status = f"decided_{decision}"
        pair.save()
        PairDecision.objects.create(
            person_a_id=pair.person_a_id,
            person_b_id=pair.person_b_id,
            decision=decision,
            pair=pair,
            decided_at=timezone.now(),
        )

    second = _linked()

    assert second.status == LinkageRun.Status.SUCCEEDED
    assert second.model_id == first.model_id
    assert second.skipped_decided == 1
    assert second.skipped_open == len(queued) - 2
    again = list(CandidatePair.objects.filter(run=second))
    keys = {(p.person_a_id, p.person_b_id) for p in again}
    assert (different.person_a_id, different.person_b_id) not in keys
    # "Not sure" comes back for another look, and nothing sure is linked without review.
    assert keys == {(unsure.person_a_id, unsure.person_b_id)}
    assert again[0].status == CandidatePair.Status.QUEUED


def test_merged_and_erased_persons_are_left_out(world: World, tmp_path: Path) -> None:
    seed(tmp_path, persons=40, duplicates=0.0)
    first, second, third, fourth = Person.objects.order_by("pk")[:4]
    person_merge(
        actor=None, survivor_id=first.pk, absorbed_id=second.pk, reason="test", automatic=True
    )
    Person.objects.filter(pk=third.pk).update(erased_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    records, names, identifiers = extract.registry_tables().tables()

    ids = set(records.column("unique_id").to_pylist())
    assert ids == set(Person.objects.values_list("pk", flat=True)) - {second.pk, third.pk}
    assert {first.pk, fourth.pk} <= ids
    assert second.pk not in set(names.column("unique_id").to_pylist())
    assert third.pk not in set(identifiers.column("unique_id").to_pylist())


def test_only_national_administrators_and_the_system_may_start_a_run(
    administrator: Actor, district_supervisor: Actor, village_officer: Actor
) -> None:
    for refused in (district_supervisor, village_officer):
        with pytest.raises(PermissionDenied):
            linkage_run_request(actor=refused)
    assert LinkageRun.objects.count() == 0

    allowed = linkage_run_request(actor=administrator)
    by_system = linkage_run_request(actor=None)

    assert allowed.status == by_system.status == LinkageRun.Status.QUEUED
    assert allowed.requested_by == administrator.user
    assert allowed.scope == LinkageRun.Scope.REGISTRY


def test_an_unknown_batch_is_refused_and_nothing_is_queued(world: World) -> None:
    with pytest.raises(UnknownBatch):
        linkage_run_request(actor=None, batch_id=999)
    assert LinkageRun.objects.count() == 0


def test_a_run_on_an_empty_registry_fails_plainly(world: World) -> None:
    linkage = _linked(retrain=True)

    assert linkage.status == LinkageRun.Status.FAILED
    assert linkage.error == (
        "link: LinkageRunFailed: The registry has 0 people: a model needs at least 50."
    )
    assert CandidatePair.objects.count() == 0


def _imported_batch(world: World, persons: list[int]) -> int:
    """A done import batch whose reports were linked to ``persons``."""
    importer = persona(world.district, Role.SUPERVISOR, username="importer")
    started = timezone.now() - dt.timedelta(minutes=5)
    batch = ImportBatch.objects.create(
        organisation=world.district,
        uploaded_by=importer.user,
        membership=importer.membership,
        file_name="arrivals.csv",
        file_kind="csv",
        sha256="0" * 64,
        status=ImportBatch.Status.DONE,
        uploaded_at=started,
        started_at=started,
        finished_at=timezone.now(),
    )
    IntakeRecord.objects.bulk_create(
        [
            IntakeRecord(
                channel="import",
                payload={},
                received_at=started + dt.timedelta(seconds=30),
                organisation=world.district,
                person_id=pk,
                status=IntakeRecord.Status.LINKED,
            )
            for pk in persons
        ]
    )
    return batch.pk


@override_settings(PULANG_LINKAGE_AUTO_LINK=False)
def test_a_batch_run_pairs_only_the_batch_people_against_the_registry(
    world: World, tmp_path: Path
) -> None:
    seed(tmp_path, persons=300, duplicates=0.3)
    everyone = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    in_batch = set(everyone[-60:])
    batch_id = _imported_batch(world, sorted(in_batch))

    without_model = _linked(batch_id=batch_id)
    assert without_model.status == LinkageRun.Status.FAILED
    assert without_model.error.startswith("link: NoMatchModel: No trained match model yet")

    _with_model()
    if not MatchModel.objects.exists():
        _remember(_linked(retrain=True))
        CandidatePair.objects.all().delete()
    linkage = _linked(batch_id=batch_id)

    assert linkage.status == LinkageRun.Status.SUCCEEDED
    assert linkage.scope == LinkageRun.Scope.BATCH
    pairs = list(CandidatePair.objects.filter(run=linkage).values_list("person_a", "person_b"))
    assert pairs
    assert all(a in in_batch or b in in_batch for a, b in pairs)
