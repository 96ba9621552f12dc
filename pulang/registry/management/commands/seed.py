from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.registry.synthetic import (
    AS_OF,
    SeedOptions,
    SeedProgress,
    SeedRefused,
    parse_countries,
    seed_registry,
)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise ArgumentTypeError("a number between 0 and 1, such as 0.15") from exc
    if not 0 <= value <= 1:
        raise ArgumentTypeError("a number between 0 and 1, such as 0.15")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise ArgumentTypeError("a whole number") from exc
    if value < 0:
        raise ArgumentTypeError("a whole number, 0 or more")
    return value


class Command(BaseCommand):
    help = (
        "Fill the registry with synthetic returnees (debug and demo deployments only): "
        "reproducible for a given --seed, with an optional share of corrupted duplicates "
        "whose truth is written to --truth."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--persons", type=_count, required=True, help="human beings to make")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--country",
            default="ID",
            help="nationality: ID (default), PH, VN, KH, MM, LA, TH, ASEAN for a mix, "
            "or weights such as ID:70,PH:30",
        )
        parser.add_argument(
            "--duplicates",
            type=_share,
            default=0.0,
            help="share of people reported again by another channel, e.g. 0.15",
        )
        parser.add_argument("--truth", type=Path, help="write record_id,cluster_id here")
        parser.add_argument("--export", type=Path, help="write the records in the generic layout")
        parser.add_argument("--batch-size", type=_count, default=5000)
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=AS_OF,
            help=f"the day the population is seen on (default {AS_OF.isoformat()})",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="seed only when the registry has nobody yet (for make demo, run again safely)",
        )
        parser.add_argument(
            "--force", action="store_true", help="run even without PULANG_DEBUG or PULANG_DEMO"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        last = 0.0

        def progress(step: SeedProgress) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < 2 and step.humans < step.of:
                return
            last = now
            rate = step.rows / step.seconds if step.seconds else 0.0
            self.stderr.write(
                f"seed: {step.humans:,}/{step.of:,} people, {step.records:,} records, "
                f"{step.rows:,} rows, {rate:,.0f} rows/s"
            )

        try:
            report = seed_registry(
                SeedOptions(
                    persons=options["persons"],
                    seed=options["seed"],
                    countries=parse_countries(options["country"]),
                    duplicates=options["duplicates"],
                    truth=options["truth"],
                    export=options["export"],
                    batch_size=max(1, options["batch_size"]),
                    as_of=options["as_of"],
                    force=options["force"],
                    if_empty=options["if_empty"],
                ),
                progress=progress,
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        if report.humans > 0:
            record(
                None,
                Action.REGISTRY_SEEDED,
                details={
                    **report.as_details(),
                    "seed": options["seed"],
                    "country": options["country"],
                    "duplicates": options["duplicates"],
                },
            )
        self.stdout.write(
            f"seeded humans={report.humans} records={report.records} "
            f"duplicates={report.duplicates} names={report.names} "
            f"identifiers={report.identifiers} episodes={report.episodes} "
            f"returns={report.returns} consents={report.consents} rows={report.rows} "
            f"seconds={report.seconds:.1f} rows_per_s={report.rows_per_second:.0f} "
            f"db={report.database}"
        )
