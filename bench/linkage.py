"""Batch record linkage of the whole registry, measured against the truth.

    python -m bench.linkage [--persons 100000] [--seed 7] [--duplicates 0.15]
                            [--country ASEAN] [--auto-link] [--merge-sample 3000]

Seeds the database DATABASE_URL names (once, in a child process, so that this process's
peak memory is the linkage's own) with ``pulang seed --duplicates --truth --export``: a
labelled population of ASEAN returnees whose duplicates are corrupted the way other
channels report people (transliteration, typos, swapped names, mononyms, estimated birth
dates, changed phones, mistyped ID numbers). It refuses a database holding anyone else.

Then it runs what ``pulang linkage run --retrain`` runs (extract, train, block, score,
cluster, write the queue in one transaction) and, through the run's observer, measures
the engine's pairs against the truth. Automatic merges are off unless ``--auto-link``
(their cost is measured on ``--merge-sample`` pairs, rolled back, and extrapolated: the
registry's ``persons_merge_automatic`` that runs use, and its one-at-a-time
``person_merge`` on the first 300 as the peer). Prints one JSON object per figure:

  comparisons, pairs_per_second          pairs the blocking rules let through, scored per s
  seconds (phase=...)                    extract, prepare, train, block, predict, cluster,
                                         collect, write; linkage_seconds = train + block +
                                         predict + cluster; run_seconds = the whole run
  peak_rss_mib                           this process's peak resident memory
  blocking_recall                        true pairs the blocking lets through
  pairwise_precision/recall/f1           at the review and automatic thresholds and a sweep
  persons_found_exactly, cluster_*       the groups formed at the review threshold
  auto_linked_pairs, false_merges,       pairs the automatic rule would link, and how many
  false_merge_rate                       of them are two people
  merge_ms_per_pair                      one merge at a time (person_merge), per merge
  bulk_merge_ms_per_pair,                the automatic merges as runs make them, per merge,
  merges_seconds_est                     and for every pair the automatic rule would link
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._setup import django_setup, emit, peak_rss_mib

ONE_BY_ONE_SAMPLE = 300

SWEEP = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duplicates", type=float, default=0.15)
    parser.add_argument("--country", default="ASEAN")
    parser.add_argument("--auto-link", action="store_true")
    parser.add_argument("--merge-sample", type=int, default=3000)
    args = parser.parse_args()
    django_setup()

    from django.conf import settings
    from django.test.utils import override_settings

    from pulang.linkage.models import CandidatePair, LinkageRun, MatchModel, PairDecision
    from pulang.registry.models import Person

    name = f"{args.persons}-{args.seed}-{args.country}-{args.duplicates}"
    folder = Path("var") / "bench-linkage"
    folder.mkdir(parents=True, exist_ok=True)
    marker, truth = folder / f"{name}.json", folder / f"{name}-truth.csv"
    export = folder / f"{name}-persons.csv"
    people = Person.objects.count()
    seeded = json.loads(marker.read_text()) if marker.exists() else None
    if people == 0:
        started = time.perf_counter()
        _seed(args, truth, export)
        seeded = {"records": Person.objects.count()}
        marker.write_text(json.dumps(seeded))
        emit("seed_seconds", round(time.perf_counter() - started, 1), "s", persons=args.persons)
    elif seeded is None or seeded["records"] != people:
        sys.exit(
            f"The database holds {people} people that this bench did not seed for {name}: "
            "point DATABASE_URL at an empty database."
        )
    # Fresh bulk loads have no planner statistics; a deployment's autovacuum has them.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # The bench's own database: start from an empty queue and an unmerged registry.
    CandidatePair.objects.all().delete()
    PairDecision.objects.all().delete()
    LinkageRun.objects.all().delete()
    MatchModel.objects.all().delete()
    if Person.objects.filter(merged_into__isnull=False).exists():
        sys.exit("Persons were merged in this database (an earlier --auto-link run): reseed it.")

    review = float(settings.PULANG_LINKAGE_REVIEW_THRESHOLD)
    auto = float(settings.PULANG_LINKAGE_AUTO_THRESHOLD)
    context = {"persons": args.persons, "duplicates": args.duplicates}
    figures = _linkage(args, truth, review, auto, context, override_settings)
    for line in figures:
        print(json.dumps({**line, "db": _vendor()}))
        sys.stdout.flush()
    if not args.auto_link and args.merge_sample:
        _merge_cost(args.merge_sample, figures, context)


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def _seed(args: argparse.Namespace, truth: Path, export: Path) -> None:
    command = [
        sys.executable, "manage.py", "seed",
        "--persons", str(args.persons), "--seed", str(args.seed),
        "--country", args.country, "--duplicates", str(args.duplicates),
        "--truth", str(truth), "--export", str(export),
    ]  # fmt: skip
    env = {**os.environ, "PULANG_DEMO": "true"}
    load = [sys.executable, "manage.py", "load_reference"]
    subprocess.run(load, check=True, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run(command, check=True, env=env)  # noqa: S603 - our own command line


def _read_truth(path: Path) -> dict[int, str]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return {int(row["record_id"]): row["cluster_id"] for row in csv.DictReader(handle)}


def _linkage(
    args: argparse.Namespace,
    truth_path: Path,
    review: float,
    auto: float,
    context: dict[str, Any],
    override_settings: Any,
) -> list[dict[str, Any]]:
    import duckdb

    from pulang.linkage.pipeline import engine, evaluation
    from pulang.linkage.pipeline.run import Observer, execute
    from pulang.linkage.services import linkage_run_request

    truth = _read_truth(truth_path)
    seen: dict[str, Any] = {}

    def on_blocked(con: duckdb.DuckDBPyConnection, table: str) -> None:
        started = time.perf_counter()
        evaluation.load_truth(con, truth, len(truth))
        seen["blocked"] = evaluation.blocking_recall(con, table)
        seen["truth_seconds"] = time.perf_counter() - started

    def on_result(result: engine.Result) -> None:
        started = time.perf_counter()
        seen["figures"] = evaluation.evaluate(
            result,
            review_threshold=review,
            auto_threshold=auto,
            blocked=seen.get("blocked"),
            sweep=SWEEP,
            **context,
        )
        seen["truth_seconds"] += time.perf_counter() - started

    started = time.perf_counter()
    with override_settings(PULANG_LINKAGE_AUTO_LINK=args.auto_link):
        requested = linkage_run_request(actor=None, retrain=True)
        observer = Observer(keep_from=min(SWEEP), on_blocked=on_blocked, on_result=on_result)
        run = execute(requested.pk, observer=observer)
    elapsed = time.perf_counter() - started
    if run.status != run.Status.SUCCEEDED:
        sys.exit(f"the linkage run failed: {run.error}")
    lines: list[dict[str, Any]] = []

    def add(metric: str, value: float, unit: str, **more: Any) -> None:
        lines.append({"metric": metric, "value": value, "unit": unit, **context, **more})

    timings = dict(run.timings)
    linkage = sum(timings.get(k, 0.0) for k in ("train", "block", "predict", "cluster"))
    add("records", run.records, "records")
    add("comparisons", run.comparisons, "pairs")
    scoring = timings.get("block", 0.0) + timings.get("predict", 0.0)
    add("pairs_per_second", round(run.comparisons / scoring) if scoring else 0, "pairs/s")
    for phase, seconds in timings.items():
        add("seconds", seconds, "s", phase=phase)
    add("linkage_seconds", round(linkage, 1), "s")
    # The measuring (truth joins) ran inside the run; it is not the run's own time.
    add("run_seconds", round(elapsed - seen.get("truth_seconds", 0.0), 1), "s")
    add("peak_rss_mib", peak_rss_mib(), "MiB")
    add("pairs_queued", run.queued, "pairs")
    add("pairs_auto_linked", run.auto_linked, "pairs")
    figures: evaluation.Figures = seen["figures"]
    measured = [line for line in figures.lines if line["metric"] not in {"records", "comparisons"}]
    return lines + measured


def _merge_cost(sample: int, figures: list[dict[str, Any]], context: dict[str, Any]) -> None:
    """Time the registry's merge service on pairs the automatic rule would link, rolled
    back, and extrapolate to all of them."""
    from django.db import transaction

    from pulang.linkage.models import CandidatePair
    from pulang.registry.services import person_merge, persons_merge_automatic

    would_link = next(
        (line["value"] for line in figures if line["metric"] == "auto_linked_pairs"), 0
    )
    auto = next(line["threshold"] for line in figures if line["metric"] == "auto_linked_pairs")
    pairs = list(
        CandidatePair.objects.filter(match_probability__gte=auto)
        .order_by("pk")
        .values_list("person_a_id", "person_b_id")[: sample * 2]
    )
    used: set[int] = set()
    chosen = []
    for a, b in pairs:
        if a not in used and b not in used and len(chosen) < sample:
            chosen.append((a, b))
            used |= {a, b}
    if not chosen:
        return
    one_by_one = chosen[:ONE_BY_ONE_SAMPLE]
    started = time.perf_counter()
    with transaction.atomic():
        for a, b in one_by_one:
            person_merge(actor=None, survivor_id=a, absorbed_id=b, reason="bench", automatic=True)
        transaction.set_rollback(True)
    per_merge = (time.perf_counter() - started) / len(one_by_one)
    emit("merge_ms_per_pair", round(per_merge * 1000, 2), "ms", sample=len(one_by_one), **context)
    started = time.perf_counter()
    with transaction.atomic():
        done = persons_merge_automatic(groups=[list(pair) for pair in chosen], reason="bench")
        transaction.set_rollback(True)
    per_merge = (time.perf_counter() - started) / len(chosen)
    emit(
        "bulk_merge_ms_per_pair",
        round(per_merge * 1000, 2),
        "ms",
        sample=len(chosen),
        merged=done.merges,
        **context,
    )
    emit("merges_seconds_est", round(per_merge * float(would_link), 1), "s", **context)


if __name__ == "__main__":
    main()
