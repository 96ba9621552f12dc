from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.geo.services import area_load_iso_provinces
from pulang.reference.services import ASEAN_MEMBERS, reference_load


class Command(BaseCommand):
    help = (
        "Load or refresh countries, languages, currencies, ISCO-08 and the ISO 3166-2 "
        "provinces of the ten ASEAN countries. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = reference_load()
        provinces = area_load_iso_provinces(country_codes=sorted(ASEAN_MEMBERS))
        record(
            None,
            Action.REFERENCE_LOADED,
            details={
                "countries": report.countries,
                "languages": report.languages,
                "currencies": report.currencies,
                "occupations": report.occupations,
                "provinces": sum(provinces.values()),
            },
        )
        per_country = ", ".join(f"{k}:{v}" for k, v in provinces.items())
        self.stdout.write(
            f"countries={report.countries} languages={report.languages} "
            f"currencies={report.currencies} occupations={report.occupations} "
            f"provinces={sum(provinces.values())} ({per_country})"
        )
