from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from pulang.reference.selectors import (
    country_list,
    currency_list,
    language_list,
    occupation_search,
)

router = Router(tags=["reference"])


class CountryOut(Schema):
    code: str
    alpha3: str
    name: str
    is_asean_member: bool
    is_sending_country: bool
    is_main_destination: bool


class LanguageOut(Schema):
    code: str
    name: str
    is_regional: bool


class CurrencyOut(Schema):
    code: str
    name: str


class OccupationOut(Schema):
    code: str
    level: int
    parent_id: str | None
    title_en: str


@router.get("/countries", response=list[CountryOut])
def countries(
    request: HttpRequest, asean: bool | None = None, destination: bool | None = None
) -> list[CountryOut]:
    """ISO 3166-1 countries, with ASEAN members, sending countries and main destinations."""
    return [CountryOut.from_orm(c) for c in country_list(asean=asean, destination=destination)]


@router.get("/languages", response=list[LanguageOut])
def languages(request: HttpRequest, regional: bool | None = None) -> list[LanguageOut]:
    """Languages by BCP 47 tag."""
    return [LanguageOut.from_orm(lang) for lang in language_list(regional=regional)]


@router.get("/currencies", response=list[CurrencyOut])
def currencies(request: HttpRequest) -> list[CurrencyOut]:
    """ISO 4217 currencies."""
    return [CurrencyOut.from_orm(c) for c in currency_list()]


@router.get("/occupations", response=list[OccupationOut])
def occupations(
    request: HttpRequest, q: str = "", level: int | None = None, limit: int = 50
) -> list[OccupationOut]:
    """ISCO-08 groups whose code starts with, or whose title contains, ``q``."""
    limit = max(1, min(limit, 700))
    return [OccupationOut.from_orm(o) for o in occupation_search(query=q, level=level)[:limit]]
