from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pulang.assessments.engine import InstrumentError
from pulang.assessments.errors import InstrumentVersionInUse
from pulang.assessments.services import INSTRUMENTS_DIR, instruments_load


class Command(BaseCommand):
    help = (
        "Load the assessment questionnaires (instruments) from their JSON files, checking "
        "each completely first. Safe to run again; a version already used by an assessment "
        "is never changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--directory", type=Path, default=INSTRUMENTS_DIR, help="where the files are"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = instruments_load(directory=options["directory"])
        except InstrumentError as error:
            raise CommandError(
                "Nothing was loaded:\n" + "\n".join(f"  {p}" for p in error.problems)
            ) from error
        except InstrumentVersionInUse as error:
            raise CommandError(f"Nothing was loaded: {error.text}") from error
        self.stdout.write(
            f"created={','.join(report.created) or '-'} "
            f"updated={','.join(report.updated) or '-'} "
            f"unchanged={','.join(report.unchanged) or '-'}"
        )
