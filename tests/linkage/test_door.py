"""The door's scores are a batch run's: the same pair, the same model, the same weights."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from django.utils import timezone

from pulang.linkage import door
from pulang.linkage.pipeline import door as pipeline_door
from pulang.linkage.pipeline import engine, frame
from pulang.linkage.pipeline.run import Observer, execute
from pulang.linkage.services import linkage_run_request
from pulang.registry.models import Person
from pulang.registry.services.registration import DoorRecord
from tests.factories import World
from tests.linkage.helpers import seed

pytestmark = pytest.mark.django_db


def _run_pairs(tmp_path: Path) -> tuple[dict[str, Any], list[engine.ScoredPair]]:
    """Every pair a run with the stored model blocked, scored by Splink's own predict()."""
    seed(tmp_path, persons=300, duplicates=0.3, seed=5)
    trained = execute(linkage_run_request(actor=None, retrain=True).pk)
    assert trained.model is not None, trained.error
    seen: list[engine.ScoredPair] = []

    def on_result(result: engine.Result) -> None:
        seen.extend(engine.scored_pairs(result, threshold=0.0))

    requested = linkage_run_request(actor=None)
    run = execute(requested.pk, observer=Observer(keep_from=0.0, on_result=on_result))
    assert run.model == trained.model, run.error
    return run.model.settings, seen


def _handful(pairs: list[engine.ScoredPair]) -> list[engine.ScoredPair]:
    """Pairs across the range of weights, and every term-frequency level reached."""
    ordered = sorted(pairs, key=lambda p: p.weight)
    picked = {id(p): p for p in ordered[:: max(1, len(ordered) // 8)]}
    for level in ("same name", "same name, spelt differently", "same exact date", "same address"):
        comparison = {
            "same name": "name",
            "same name, spelt differently": "name",
            "same exact date": "birth_date",
            "same address": "address",
        }[level]
        found = next((p for p in pairs if p.comparisons[comparison]["level"] == level), None)
        if found is not None:
            picked[id(found)] = found
    return list(picked.values())


def _door_record(person: Person) -> DoorRecord:
    return DoorRecord(
        person=person,
        names=[(n.kind, n.written) for n in person.names.all()],
        identifiers=list(person.identifiers.values_list("number", flat=True)),
    )


def test_door_weights_equal_splink_predict_for_the_same_pairs(world: World, tmp_path: Path) -> None:
    _settings, pairs = _run_pairs(tmp_path)
    chosen = _handful(pairs)
    assert len(chosen) >= 8
    levels = {(n, p.comparisons[n]["level"]) for p in chosen for n in ("name", "birth_date")}
    assert ("name", "same name") in levels and ("birth_date", "same exact date") in levels
    door._forget()
    for pair in chosen:
        # The later record arrives at the door; the registry holds everyone else.
        newcomer = Person.objects.select_related("home_area").get(pk=pair.person_b)
        Person.objects.filter(pk=newcomer.pk).update(erased_at=timezone.now())
        door._figures.clear()
        try:
            scores = door.score_at_door(
                record=_door_record(newcomer), candidate_ids=[pair.person_a]
            )
        finally:
            Person.objects.filter(pk=newcomer.pk).update(erased_at=None)
        assert scores is not None
        got = scores[pair.person_a]
        assert got.weight == pytest.approx(pair.weight, abs=1e-6), pair
        assert got.probability == pytest.approx(pair.probability, abs=1e-9)
        for name, compared in pair.comparisons.items():
            mine = got.comparisons[name]
            assert mine["level"] == compared["level"], (name, pair)
            assert mine["weight"] == pytest.approx(compared["weight"], abs=0.011), (name, pair)
            # The new record is side A at the door, the later record side B in a run.
            assert (mine["value_a"], mine["value_b"]) == (
                compared["value_b"],
                compared["value_a"],
            )


def test_without_a_trained_model_there_is_no_door_score(world: World) -> None:
    door._forget()
    person = Person(full_name="Siti Aminah", sex="F", birth_date=dt.date(1985, 8, 17))
    record = DoorRecord(person=person, names=[("primary", "Siti Aminah")], identifiers=[])
    assert door.score_at_door(record=record, candidate_ids=[1, 2]) is None


def test_the_door_normalises_addresses_as_a_run_does() -> None:
    lines = ["Jl. Merdeka No. 5", "  JL MERDEKA no 5 ", "Đường Lê Lợi, 12", "--", ""]
    con = duckdb.connect(":memory:")
    records = pa.Table.from_pylist(
        [
            {"unique_id": i, "address": line, "in_scope": True, "restricted": False}
            for i, line in enumerate(lines)
        ],
        schema=frame.RECORDS_SCHEMA,
    )
    empty_names = frame.NAMES_SCHEMA.empty_table()
    empty_ids = frame.IDENTIFIERS_SCHEMA.empty_table()
    frame.prepare(con, records, empty_names, empty_ids, output="t")
    by_run = [r[0] for r in con.execute("SELECT address FROM t ORDER BY unique_id").fetchall()]
    assert pipeline_door.normalised_address(con, lines) == by_run
    assert by_run[:2] == ["jl merdeka no 5", "jl merdeka no 5"]


def _word_bearers() -> tuple[dict[str, set[int]], int]:
    """The people bearing each phonetic name word (of names with a transliterated form, as
    a run takes them), and today's common-word limit."""
    from pulang.registry.models import PersonName

    bearers: dict[str, set[int]] = {}
    for person_id, phonetic in PersonName.objects.exclude(folded="").values_list(
        "person_id", "phonetic"
    ):
        for word in (phonetic or "").split():
            bearers.setdefault(word, set()).add(person_id)
    people = Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True).count()
    return bearers, frame.common_word_limit(people)


def _spy_on_counted_words(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The words the door counts in the registry, from now on."""
    counted: Counter[str] = Counter()
    real_count = door._count

    def spy(**kwargs: Any) -> Any:
        counted.update(kwargs["words"])
        return real_count(**kwargs)

    monkeypatch.setattr(door, "_count", spy)
    return counted


def test_a_run_keeps_the_common_words_and_the_door_does_not_count_them(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from pulang.linkage.models import CommonWord

    seed(tmp_path, persons=400, duplicates=0.3, seed=5)
    # The run's common words are the registry's (before the run merges the sure pairs):
    # the people bearing each phonetic word.
    bearers, limit = _word_bearers()
    expected = {w: len(p) for w, p in bearers.items() if len(p) > limit}
    assert expected, "the seed should give some common words"
    run = execute(linkage_run_request(actor=None, retrain=True).pk)
    assert run.model is not None, run.error
    assert dict(CommonWord.objects.values_list("word", "persons")) == expected

    # At the door those words are taken as common without counting them again.
    counted = _spy_on_counted_words(monkeypatch)
    door._forget()
    common = max(expected, key=expected.__getitem__)
    newcomer = next(
        p
        for p in Person.objects.select_related("home_area")
        if common in " ".join(n.phonetic for n in p.names.all())
    )
    others = [
        pk
        for pk in Person.objects.filter(merged_into__isnull=True).values_list("pk", flat=True)
        if pk in bearers[common] and pk != newcomer.pk
    ][:5]
    scores = door.score_at_door(record=_door_record(newcomer), candidate_ids=others)
    assert scores is not None
    assert common not in counted


def test_a_run_keeps_frequent_words_and_the_door_trusts_counts_clearly_under_the_limit(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from pulang.linkage.models import CommonWord

    monkeypatch.setattr(frame, "TF_KEPT_FLOOR", 4)
    seed(tmp_path, persons=400, duplicates=0.3, seed=5)
    bearers, limit = _word_bearers()
    run = execute(linkage_run_request(actor=None, retrain=True).pk)
    assert run.model is not None, run.error
    # Every word at least four people bear is kept, common or not.
    kept = dict(CommonWord.objects.values_list("word", "persons"))
    assert kept == {w: len(p) for w, p in bearers.items() if len(p) >= 4}
    # A kept word far under the limit is not counted again at the door, and is not
    # common there.
    frequent = [w for w, n in kept.items() if n * 2 <= limit]
    assert frequent, "the seed should give words under half the limit"
    counted = _spy_on_counted_words(monkeypatch)
    seen: list[frozenset[str]] = []
    real_score = pipeline_door.score

    def score_spy(raw: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["frequencies"].common_words)
        return real_score(raw, **kwargs)

    monkeypatch.setattr(pipeline_door, "score", score_spy)
    door._forget()
    word = max(frequent, key=kept.__getitem__)
    live = Person.objects.select_related("home_area").filter(merged_into__isnull=True)
    newcomer = next(
        p
        for p in live.order_by("pk")
        if any(word in n.phonetic.split() for n in p.names.all() if n.folded)
    )
    others = [pk for pk in bearers[word] if pk != newcomer.pk and live.filter(pk=pk).exists()]
    assert others, "someone else bears the word"
    assert door.score_at_door(record=_door_record(newcomer), candidate_ids=others[:5]) is not None
    assert word not in counted
    assert word not in seen[-1]
    # A kept count close under the limit (here: any) may have crossed it since: counted.
    monkeypatch.setattr(door, "RECOUNT_MARGIN", 1.0)
    door._forget()
    assert door.score_at_door(record=_door_record(newcomer), candidate_ids=others[:5]) is not None
    assert word in counted


def test_a_run_keeps_common_values_and_the_door_reads_them_instead_of_counting(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pulang.linkage.models import TermFrequency
    from pulang.registry.models import PersonName

    monkeypatch.setattr(frame, "TF_KEPT_FLOOR", 3)
    seed(tmp_path, persons=400, duplicates=0.3, seed=5)
    # Before the run merges the sure pairs: people per primary phonetic key and birth date.
    phonetic = Counter(
        PersonName.objects.filter(kind="primary")
        .exclude(folded="")
        .values_list("phonetic", flat=True)
    )
    born = Counter(
        d.isoformat()
        for d in Person.objects.exclude(birth_date=None).values_list("birth_date", flat=True)
    )
    run = execute(linkage_run_request(actor=None, retrain=True).pk)
    assert run.model is not None, run.error
    kept = {
        (c, v): n for c, v, n in TermFrequency.objects.values_list("column", "value", "persons")
    }
    expected_phonetic = {("name_phonetic", k): n for k, n in phonetic.items() if n >= 3 and k}
    expected_born = {("birth_date", k): n for k, n in born.items() if n >= 3}
    assert expected_phonetic
    assert {k: v for k, v in kept.items() if k[0] == "name_phonetic"} == expected_phonetic
    assert {k: v for k, v in kept.items() if k[0] == "birth_date"} == expected_born

    skipped: list[set[str]] = []
    real_count = door._count

    def spy(**kwargs: Any) -> Any:
        skipped.append(set(kwargs["skip"]))
        return real_count(**kwargs)

    monkeypatch.setattr(door, "_count", spy)
    door._forget()
    key = max(expected_phonetic, key=expected_phonetic.__getitem__)[1]
    newcomer = (
        Person.objects.select_related("home_area")
        .filter(merged_into__isnull=True, names__kind="primary", names__phonetic=key)
        .first()
    )
    assert newcomer is not None
    assert door.score_at_door(record=_door_record(newcomer), candidate_ids=[]) is not None
    assert "name_phonetic" in skipped[-1]
