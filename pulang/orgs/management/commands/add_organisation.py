from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pulang.errors import DomainError
from pulang.geo.selectors import area_get
from pulang.orgs.selectors import organisation_kind_codes
from pulang.orgs.services import organisation_create
from pulang.reference.selectors import country_list


class Command(BaseCommand):
    help = (
        "Create an organisation (the first national agency of a deployment, for example). "
        "Offices give --area (official code); consular posts give --destination."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=organisation_kind_codes())
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 (home country)")
        parser.add_argument(
            "--area", default="", help="official area code (the country code for a national agency)"
        )
        parser.add_argument("--destination", default="", help="ISO 3166-1 alpha-2, consular posts")

    def handle(self, *args: Any, **options: Any) -> None:
        countries = {c.code: c for c in country_list()}
        country = countries.get(options["country"].upper())
        if country is None:
            raise CommandError(
                f"Unknown country code {options['country']!r}: run load_reference first."
            )
        destination = None
        if options["destination"]:
            destination = countries.get(options["destination"].upper())
            if destination is None:
                raise CommandError(f"Unknown country code {options['destination']!r}.")
        try:
            area = (
                area_get(country_code=country.code, code=options["area"])
                if options["area"]
                else None
            )
            organisation = organisation_create(
                actor=None,
                name=options["name"],
                kind=options["kind"],
                country=country,
                area=area,
                destination_country=destination,
            )
        except DomainError as error:
            raise CommandError(error.text) from error
        self.stdout.write(f"organisation {organisation.pk}: {organisation.name}")
