from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pulang.operations.demo import DemoRefused
from pulang.operations.demo_referrals import demo_referrals


class Command(BaseCommand):
    help = "Demo service providers, services and a referral (demo deployments only; done once)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = demo_referrals()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo referrals: {count}")
