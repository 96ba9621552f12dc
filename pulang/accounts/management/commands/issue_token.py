from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pulang.accounts.services import api_token_create
from pulang.orgs.selectors import membership_get_active


class Command(BaseCommand):
    help = "Issue an API token for a system acting in one membership; prints the secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--membership", type=int, required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--days", type=int, default=365)

    def handle(self, *args: Any, **options: Any) -> None:
        membership = membership_get_active(membership_id=options["membership"])
        if membership is None:
            raise CommandError("No active membership with that number.")
        _, secret = api_token_create(
            actor=None, membership=membership, name=options["name"], days=options["days"]
        )
        self.stdout.write(secret)
