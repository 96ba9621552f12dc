from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pulang.operations.demo import DEMO_PASSWORD, ORGANISATIONS, DemoRefused, demo_setup


class Command(BaseCommand):
    help = "Create the demo organisations and one user per role (demo deployments only)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            users = demo_setup()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        names = {o.key: o.name for o in ORGANISATIONS}
        self.stdout.write(f"\nDemo users (password for all: {DEMO_PASSWORD})\n")
        self.stdout.write(f"  {'user name':<12} {'role':<18} organisation")
        for user in users:
            self.stdout.write(
                f"  {user.username:<12} {user.role.value:<18} {names[user.organisation]}"
            )
        self.stdout.write("")
