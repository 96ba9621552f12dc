from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def render_schema() -> str:
    from config.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write openapi.json, or with --check fail when the committed one is out of date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "openapi.json")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        schema = render_schema()
        if options["check"]:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != schema:
                raise CommandError(
                    f"{output.name} is out of date with the API: "
                    "run `pulang openapi` and commit it."
                )
            self.stdout.write(f"{output.name} is up to date.")
            return
        output.write_text(schema, encoding="utf-8")
        self.stdout.write(f"Wrote {output}.")
