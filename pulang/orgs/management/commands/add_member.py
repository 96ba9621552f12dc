from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pulang.accounts.selectors import user_get_by_username
from pulang.accounts.services import user_create
from pulang.errors import DomainError
from pulang.orgs.selectors import organisation_get_by_name, role_codes
from pulang.orgs.services import membership_create


class Command(BaseCommand):
    help = (
        "Give a person a role in an organisation, creating their account if needed (asks "
        "for the password). How a deployment makes its first administrator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--organisation", required=True, help="the organisation's exact name")
        parser.add_argument("--role", required=True, choices=role_codes())
        parser.add_argument("--full-name", default="")
        parser.add_argument("--clearance", action="store_true", help="may see restricted cases")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_get_by_name(name=options["organisation"])
        if organisation is None:
            raise CommandError(f"No organisation named {options['organisation']!r}.")
        user = user_get_by_username(username=options["username"])
        if user is None:
            password = getpass.getpass("Password for the new account: ")
            try:
                user = user_create(
                    username=options["username"],
                    password=password,
                    full_name=options["full_name"] or options["username"],
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        try:
            membership = membership_create(
                actor=None,
                user=user,  # type: ignore[arg-type]
                organisation=organisation,
                role=options["role"],
                has_clearance=options["clearance"],
            )
        except DomainError as error:
            raise CommandError(error.text) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        role = membership.get_role_display()
        self.stdout.write(
            f"membership {membership.pk}: {user.get_username()} is {role} at {organisation.name}"
        )
