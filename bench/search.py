"""Person search at registry scale.

    python -m bench.search --persons 1000000 [--queries 500] [--seed 7]

Seeds the database DATABASE_URL names (once; reused when it already holds the same
seeded population) with ``pulang seed --duplicates 0.15 --truth``, its people living in a
fictional tree of districts, sub-districts and villages under every province (``--fan-out``
of each; 10 gives 42,180 areas, about 80 people a village at a million), then searches as a
national officer with queries taken from the corrupted duplicates (typos,
transliteration variants, swapped order, nicknames, estimated birth dates) and prints:
blocked search (name + date of birth) and name-only search latency (p50, p95), and
recall@10: the share of queries whose other record(s) of the same person are in the
first ten results. Also the same name-only query without the name index, as the peer.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import random
import time
from collections import defaultdict
from pathlib import Path

from bench._setup import (
    as_autovacuum_leaves_it,
    django_setup,
    emit,
    percentile,
    synthetic_area_tree,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fan-out",
        type=int,
        default=10,
        help="districts per province, sub-districts per district, villages per sub-district",
    )
    args = parser.parse_args()
    django_setup()

    from django.core.management import call_command
    from django.test.utils import override_settings

    from pulang.registry.models import Person, PersonName
    from pulang.registry.names import name_keys, name_similarity
    from pulang.registry.policies import person_scope_q
    from pulang.registry.search import PersonQuery, find_people, stored_keys

    truth_path = Path("var") / f"bench-truth-{args.persons}-{args.seed}.csv"
    if not truth_path.exists() or Person.objects.count() == 0:
        call_command("load_reference", verbosity=0)
        areas = synthetic_area_tree("ID", args.fan_out)
        emit("synthetic_areas", areas, "areas", fan_out=args.fan_out)
        started = time.perf_counter()
        with override_settings(PULANG_DEMO=True):
            call_command(
                "seed",
                "--persons", str(args.persons),
                "--seed", str(args.seed),
                "--duplicates", "0.15",
                "--truth", str(truth_path),
            )  # fmt: skip
        emit("seed_seconds", round(time.perf_counter() - started, 1), "s", persons=args.persons)
    # Measure the tables as a deployment's autovacuum keeps them.
    as_autovacuum_leaves_it()
    total = Person.objects.count()

    clusters: dict[str, list[int]] = defaultdict(list)
    with truth_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            clusters[row["cluster_id"]].append(int(row["record_id"]))
    with_duplicates = [ids for ids in clusters.values() if len(ids) > 1]
    rng = random.Random(args.seed)
    chosen = rng.sample(with_duplicates, min(args.queries, len(with_duplicates)))

    actor = _national_actor()
    within = person_scope_q(actor)
    queries = []
    for ids in chosen:
        query_id, *others = rng.sample(ids, len(ids))
        person = Person.objects.select_related("home_area").get(pk=query_id)
        name = (
            PersonName.objects.filter(person=person, kind="primary")
            .values_list("written", flat=True)
            .first()
        )
        if not name:
            continue
        # What an officer types from this record: the name and the birth information
        # it has (the exact date, or the year when the date is estimated).
        exact = person.birth_date if person.birth_date_precision == "day" else None
        year = person.birth_date.year if person.birth_date and exact is None else None
        area = person.home_area.path if person.home_area_id else ""
        queries.append((query_id, name, exact, year, area, set(others)))

    def run(label: str, make: object) -> None:
        times, hits = [], 0
        for query_id, name, birth, year, area, others in queries:
            query = make(name, birth, year, area)  # type: ignore[operator]
            if query is None:
                continue
            # Find the person's *other* records from this one, as a duplicate check does.
            query = dataclasses.replace(query, exclude_person=query_id)
            started = time.perf_counter()
            matches = find_people(query=query, within=within)
            times.append((time.perf_counter() - started) * 1000)
            hits += bool(others & {m.person.pk for m in matches})
        n = len(times)
        emit(
            f"person_search_{label}_p50_ms", percentile(times, 0.5), "ms", persons=total, queries=n
        )
        emit(
            f"person_search_{label}_p95_ms", percentile(times, 0.95), "ms", persons=total, queries=n
        )
        emit(
            f"person_search_{label}_recall_at_10",
            round(hits / n, 4) if n else 0.0,
            "ratio",
            persons=total,
            queries=n,
        )

    run(
        "blocked",
        lambda name, birth, year, area: (
            PersonQuery(name=name, birth_date=birth, limit=10) if birth else None
        ),
    )
    run("name_only", lambda name, birth, year, area: PersonQuery(name=name, limit=10))
    # The figure the target is about: every corrupted query, with what it carries.
    run(
        "as_typed",
        lambda name, birth, year, area: PersonQuery(
            name=name, birth_date=birth, birth_year=year, area_path=area, limit=10
        ),
    )

    # The peer: the same scoring over a full scan of the names (no index), on a sample.
    sample = queries[:5]
    started = time.perf_counter()
    for _id, name, _birth, _year, _area, _others in sample:
        keys = name_keys(name)
        best = 0.0
        for stored in PersonName.objects.only(
            "folded", "sorted_tokens", "phonetic", "script"
        ).iterator(chunk_size=20000):
            best = max(best, name_similarity(keys, stored_keys(stored)))
    per_query = (time.perf_counter() - started) * 1000 / max(1, len(sample))
    emit(
        "person_search_full_scan_ms", round(per_query, 1), "ms", persons=total, queries=len(sample)
    )


def _national_actor():  # type: ignore[no-untyped-def]
    from pulang.accounts.selectors import user_get_by_username
    from pulang.accounts.services import user_create
    from pulang.geo.selectors import area_get
    from pulang.orgs.actor import Actor
    from pulang.orgs.models import OrganisationKind, Role
    from pulang.orgs.selectors import membership_list_for_user, organisation_get_by_name
    from pulang.orgs.services import membership_create, organisation_create
    from pulang.reference.selectors import country_list

    user = user_get_by_username(username="bench-national")
    if user is None:
        user = user_create(
            username="bench-national", password="Kc9-lanthorn-rivet-41", full_name="Bench National"
        )
    membership = membership_list_for_user(user=user).first()
    if membership is None:
        organisation = organisation_get_by_name(
            name="Bench national agency"
        ) or organisation_create(
            actor=None,
            name="Bench national agency",
            kind=OrganisationKind.NATIONAL_AGENCY,
            country=country_list().get(code="ID"),
            area=area_get(country_code="ID", code="ID"),
        )
        membership = membership_create(
            actor=None,
            user=user,
            organisation=organisation,
            role=Role.CASE_WORKER,
            has_clearance=True,
        )  # type: ignore[arg-type]
    return Actor(user=user, membership=membership)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
