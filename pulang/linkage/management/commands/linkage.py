"""``pulang linkage run`` and ``pulang linkage evaluate`` (docs/linkage.md)."""

from __future__ import annotations

import json
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pulang.errors import DomainError
from pulang.linkage.services import linkage_evaluate_files, linkage_run_execute, linkage_run_request
from pulang.linkage.tasks import enqueue_run


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise ArgumentTypeError("a probability between 0 and 1, such as 0.8") from exc
    if not 0 <= value <= 1:
        raise ArgumentTypeError("a probability between 0 and 1, such as 0.8")
    return value


class Command(BaseCommand):
    help = (
        "Batch record linkage: `run` links the registry (or one import batch against it) "
        "and fills the review queue; `evaluate` measures the same pipeline on a CSV in the "
        "generic layout against a truth file, without touching the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, parser_class=ArgumentParser)
        run = commands.add_parser("run", help="link the registry and fill the review queue")
        run.add_argument("--batch", type=int, help="link only this import batch's people")
        run.add_argument("--retrain", action="store_true", help="train a new match model first")
        run.add_argument(
            "--background",
            action="store_true",
            help="queue the run for the task worker instead of running it here",
        )
        evaluate = commands.add_parser(
            "evaluate", help="measure the pipeline on a labelled CSV (no database)"
        )
        evaluate.add_argument("--input", type=Path, required=True, help="records, generic layout")
        evaluate.add_argument("--truth", type=Path, required=True, help="record_id,cluster_id")
        evaluate.add_argument(
            "--review-threshold",
            type=_probability,
            default=None,
            help="default: PULANG_LINKAGE_REVIEW_THRESHOLD",
        )
        evaluate.add_argument(
            "--auto-threshold",
            type=_probability,
            default=None,
            help="default: PULANG_LINKAGE_AUTO_THRESHOLD",
        )
        evaluate.add_argument(
            "--sweep",
            type=_probability,
            nargs="*",
            default=[],
            help="more thresholds to print pairwise figures at",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "evaluate":
                self._evaluate(options)
            else:
                self._run(options)
        except DomainError as exc:
            raise CommandError(exc.text) from exc

    def _emit(self, line: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(line, ensure_ascii=False))

    def _evaluate(self, options: dict[str, Any]) -> None:
        review = options["review_threshold"]
        auto = options["auto_threshold"]
        figures = linkage_evaluate_files(
            records_path=options["input"],
            truth_path=options["truth"],
            review_threshold=settings.PULANG_LINKAGE_REVIEW_THRESHOLD if review is None else review,
            auto_threshold=settings.PULANG_LINKAGE_AUTO_THRESHOLD if auto is None else auto,
            sweep=tuple(options["sweep"]),
        )
        for line in figures.lines:
            self._emit(line)

    def _run(self, options: dict[str, Any]) -> None:
        background = options["background"]
        run = linkage_run_request(
            actor=None,
            batch_id=options["batch"],
            retrain=options["retrain"],
            enqueue=enqueue_run if background else None,
        )
        if background:
            self._emit({"run": run.pk, "status": run.status})
            return
        run = linkage_run_execute(run_id=run.pk)
        self._emit(
            {
                "run": run.pk,
                "status": run.status,
                "model": run.model.version if run.model else None,
                "records": run.records,
                "comparisons": run.comparisons,
                "pairs_above_review": run.pairs_above_review,
                "auto_linked": run.auto_linked,
                "queued": run.queued,
                "skipped_decided": run.skipped_decided,
                "skipped_open": run.skipped_open,
                "clusters": run.clusters,
                "seconds": run.timings,
                "error": run.error,
            }
        )
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(run.error or "the linkage run failed")
