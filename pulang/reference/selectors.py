"""Reads of reference data. Not personal data: any signed-in actor may read it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pulang.reference.models import Country, Currency, Language, Occupation


def country_list(
    *, asean: bool | None = None, destination: bool | None = None
) -> QuerySet[Country]:
    countries = Country.objects.all()
    if asean is not None:
        countries = countries.filter(is_asean_member=asean)
    if destination is not None:
        countries = countries.filter(is_main_destination=destination)
    return countries


def language_list(*, regional: bool | None = None) -> QuerySet[Language]:
    languages = Language.objects.all()
    if regional is not None:
        languages = languages.filter(is_regional=regional)
    return languages


def currency_list() -> QuerySet[Currency]:
    return Currency.objects.all()


def occupation_search(*, query: str = "", level: int | None = None) -> QuerySet[Occupation]:
    occupations = Occupation.objects.all()
    if level is not None:
        occupations = occupations.filter(level=level)
    query = query.strip()
    if query:
        occupations = occupations.filter(Q(code__startswith=query) | Q(title_en__icontains=query))
    return occupations
