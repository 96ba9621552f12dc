"""The duplicate check at the door with the trained model: one new record against the
registry, timed.

    python -m bench.door [--persons 100000] [--queries 300] [--seed 7]

Uses the registry DATABASE_URL names as ``bench.linkage`` left it (seeded with labelled
duplicates, a trained model); seeds it (the same way) when it is empty and trains a model
when it has none. Each query is a registered person arriving again: the registry's search
finds the candidates (the person's own record left out), the newest model scores them
(pulang/linkage/door.py). Prints p50/p95 of the whole check, of the search alone (the check
without a model, the peer) and of the model's scoring, one JSON object per figure.
"""

from __future__ import annotations

import argparse
import random
import time
from types import SimpleNamespace
from typing import Any

from bench._setup import as_autovacuum_leaves_it, django_setup, emit, percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    django_setup()

    from django.conf import settings
    from django.db.models import Q

    from pulang.linkage import door
    from pulang.linkage.models import MatchModel
    from pulang.linkage.services import linkage_run_execute, linkage_run_request
    from pulang.registry.models import Person
    from pulang.registry.names import prepare_romanisers
    from pulang.registry.search import PersonQuery, find_people
    from pulang.registry.services.registration import (
        DOOR_MODEL_CANDIDATES,
        DOOR_TYPO_THRESHOLD,
        DoorRecord,
    )

    people = Person.objects.count()
    if people == 0:
        from pathlib import Path

        from bench.linkage import _seed

        folder = Path("var") / "bench-door"
        folder.mkdir(parents=True, exist_ok=True)
        options = SimpleNamespace(
            persons=args.persons, seed=args.seed, country="ASEAN", duplicates=0.15
        )
        _seed(options, folder / "truth.csv", folder / "persons.csv")  # type: ignore[arg-type]
        people = Person.objects.count()
    if not MatchModel.objects.exists():
        started = time.perf_counter()
        run = linkage_run_execute(run_id=linkage_run_request(actor=None, retrain=True).pk)
        emit("door_model_training_s", round(time.perf_counter() - started, 1), "s",
             persons=args.persons)  # fmt: skip
        if run.model is None:
            raise SystemExit(f"training failed: {run.error}")

    # As a served process does at start (config/wsgi.py): the Thai romaniser alone takes
    # a second to load, once per process.
    prepare_romanisers()
    as_autovacuum_leaves_it()
    live = Q(erased_at__isnull=True, merged_into__isnull=True)
    ids = list(Person.objects.filter(live).values_list("pk", flat=True))
    sample = random.Random(args.seed).sample(ids, min(args.queries, len(ids)))
    threshold = float(settings.PULANG_DOOR_THRESHOLD)
    total: list[float] = []
    search: list[float] = []
    scoring: list[float] = []
    shown = 0
    context: dict[str, Any] = {"persons": args.persons, "records": people}
    for index, pk in enumerate(sample):
        person = Person.objects.select_related("home_area").get(pk=pk)
        record = DoorRecord(
            person=person,
            names=[(n.kind, n.written) for n in person.names.all()],
            identifiers=list(person.identifiers.values_list("number", flat=True)),
        )
        number = record.identifiers[0] if record.identifiers else ""
        day = person.birth_date if person.birth_date_precision == "day" else None
        query = PersonQuery(
            name=person.full_name,
            birth_date=day,
            birth_year=person.birth_date.year if person.birth_date and not day else None,
            id_number=number,
            phone=person.phone,
            limit=DOOR_MODEL_CANDIDATES,
            exclude_person=person.pk,
            typo_threshold=DOOR_TYPO_THRESHOLD,
        )
        started = time.perf_counter()
        found = find_people(query=query, within=live)
        searched = time.perf_counter()
        scores = door.score_at_door(record=record, candidate_ids=[m.person.pk for m in found])
        finished = time.perf_counter()
        if scores is None:
            raise SystemExit("no trained model")
        if index < 3:
            continue  # warm-up: the model's SQL, the connection, the caches
        shown += sum(1 for s in scores.values() if s.probability >= threshold)
        search.append((searched - started) * 1000)
        scoring.append((finished - searched) * 1000)
        total.append((finished - started) * 1000)
    for name, values in (("door_check", total), ("door_search", search), ("door_model", scoring)):
        emit(f"{name}_p50_ms", percentile(values, 0.5), "ms", **context)
        emit(f"{name}_p95_ms", percentile(values, 0.95), "ms", **context)
    emit("door_queries", len(total), "queries", **context)
    emit("door_candidates_shown_per_query", round(shown / max(1, len(total)), 3), "persons",
         **context)  # fmt: skip


if __name__ == "__main__":
    main()
