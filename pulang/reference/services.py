"""Loading of the standard code lists. Idempotent: running again changes nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pycountry
from django.db import transaction

from pulang.reference.models import Country, Currency, Language, Occupation

DATA_DIR = Path(__file__).resolve().parent / "data"

ASEAN_MEMBERS = frozenset({"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"})
# Member states whose nationals work abroad in large numbers (the guideline's audience).
SENDING_COUNTRIES = frozenset({"ID", "PH", "VN", "KH", "MM", "LA", "TH"})
# Where most ASEAN migrant workers go: intra-ASEAN, the Gulf and East Asia.
MAIN_DESTINATIONS = frozenset(
    {
        "MY", "SG", "TH", "BN",
        "SA", "AE", "QA", "KW", "OM", "BH", "JO",
        "TW", "HK", "MO", "KR", "JP",
    }
)  # fmt: skip
# Languages of the ASEAN countries, national and major regional ones (BCP 47 tags).
REGIONAL_LANGUAGES = frozenset(
    {
        "en", "id", "ms", "fil", "tl", "vi", "km", "th", "my", "lo",
        "jv", "su", "mad", "ban", "min", "bug", "ace", "ceb", "ilo", "hil",
        "shn", "kac", "ksw", "zh", "ta",
    }
)  # fmt: skip


@dataclass(frozen=True)
class LoadReport:
    countries: int
    languages: int
    currencies: int
    occupations: int


def _bcp47(language: object) -> str:
    alpha_2 = getattr(language, "alpha_2", None)
    return str(alpha_2 if alpha_2 else language.alpha_3)  # type: ignore[attr-defined]


@transaction.atomic
def reference_load() -> LoadReport:
    """Load or refresh countries, living languages, currencies and ISCO-08."""
    countries = [
        Country(
            code=c.alpha_2,
            alpha3=c.alpha_3,
            numeric=c.numeric,
            name=getattr(c, "common_name", None) or c.name,
            is_asean_member=c.alpha_2 in ASEAN_MEMBERS,
            is_sending_country=c.alpha_2 in SENDING_COUNTRIES,
            is_main_destination=c.alpha_2 in MAIN_DESTINATIONS,
        )
        for c in pycountry.countries
    ]
    Country.objects.bulk_create(
        countries,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[
            "alpha3",
            "numeric",
            "name",
            "is_asean_member",
            "is_sending_country",
            "is_main_destination",
        ],
    )

    languages: dict[str, Language] = {}
    for lang in pycountry.languages:
        # Individual living languages plus macrolanguages (Malay, Chinese) that people name.
        if getattr(lang, "type", None) != "L" or getattr(lang, "scope", None) not in {"I", "M"}:
            continue
        code = _bcp47(lang)
        languages[code] = Language(
            code=code, name=lang.name, is_regional=code in REGIONAL_LANGUAGES
        )
    Language.objects.bulk_create(
        list(languages.values()),
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "is_regional"],
        batch_size=1000,
    )

    currencies = [
        Currency(code=c.alpha_3, numeric=c.numeric, name=c.name) for c in pycountry.currencies
    ]
    Currency.objects.bulk_create(
        currencies,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["numeric", "name"],
    )

    occupations = _read_isco()
    # Parents first, so the foreign key always points at a row that exists.
    for level in (1, 2, 3, 4):
        Occupation.objects.bulk_create(
            [o for o in occupations if o.level == level],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["level", "parent", "title_en", "definition_en"],
        )
    return LoadReport(
        countries=len(countries),
        languages=len(languages),
        currencies=len(currencies),
        occupations=len(occupations),
    )


def _read_isco() -> list[Occupation]:
    with (DATA_DIR / "isco08.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Occupation(
                code=row["code"],
                level=int(row["level"]),
                parent_id=row["parent"] or None,
                title_en=row["title_en"],
                definition_en=row["definition_en"],
            )
            for row in csv.DictReader(handle)
        ]
