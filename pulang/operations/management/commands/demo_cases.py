from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pulang.operations.demo import DemoRefused
from pulang.operations.demo_cases import demo_cases


class Command(BaseCommand):
    help = "Demo returnees with assessments and cases (demo deployments only; done once)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = demo_cases()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo cases: {count}")
