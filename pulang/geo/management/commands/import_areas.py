from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pulang.errors import InvalidInput
from pulang.geo.services import area_import


class Command(BaseCommand):
    help = (
        "Import an official administrative-area code list (CSV with columns code, "
        "parent_code, level, name, and optional country and name_<language>). "
        "All or nothing; running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", type=Path)
        parser.add_argument("--country", help="ISO 3166-1 code when the file has no country column")
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            report = area_import(
                actor=None, data=data, country_code=options["country"], dry_run=options["dry_run"]
            )
        except InvalidInput as error:
            for row in error.errors:
                self.stderr.write(f"{path}:{row['line']}: {row['field']}: {row['reason']}")
            raise CommandError(error.text) from error
        verb = "would be" if report.dry_run else "were"
        self.stdout.write(
            f"{report.created} areas {verb} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
