"""What a registration carries, whichever channel it comes from, and its validation.

``validate_registration`` resolves codes to records and returns every problem at once
(field path and reason), so a form, an API call or an import row can show them all.
Validating many rows (an import file) passes a preloaded :class:`Lookups`, so that no row
costs a query.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.errors import InvalidInput
from pulang.geo.models import AdminArea
from pulang.reference.models import Country, Currency, Language, Occupation
from pulang.registry.codes import (
    ISIC_SECTIONS,
    AbuseIndicator,
    ConsentMethod,
    ConsentPurpose,
    CostFinancing,
    DatePrecision,
    EducationLevel,
    IdentifierKind,
    Intention,
    LegalStatus,
    Readiness,
    ReturnMode,
    ReturnReason,
    ReturnStatus,
    Sex,
    SkillLevel,
)
from pulang.registry.identifiers import (
    check_identifier,
    check_nik_against_person,
    normalise_number,
)
from pulang.registry.models import MigrationEpisode, Person, PersonName, Return, Skill

ADULT_AGE = 18
QUOTED_MAX = 24


@dataclass
class IdentifierInput:
    kind: str
    number: str
    issuing_country: str


@dataclass
class EpisodeInput:
    destination_country: str
    destination_city: str = ""
    employer_name: str = ""
    sector: str = ""
    occupation: str = ""
    job_title: str = ""
    visa_type: str = ""
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    agency_name: str = ""
    legal_status: str = LegalStatus.UNKNOWN
    migration_cost: Decimal | None = None
    migration_cost_currency: str = ""
    cost_financing: list[str] = field(default_factory=list)
    abuse_indicators: list[str] = field(default_factory=list)


@dataclass
class ReturnInput:
    reason: str
    mode: str
    status: str = ReturnStatus.ARRIVED
    returned_on: dt.date | None = None
    expected_on: dt.date | None = None
    port_of_entry: str = ""
    readiness: str = Readiness.UNKNOWN
    intention: str = Intention.UNDECIDED
    destination_area: str = ""
    support_received: str = ""


@dataclass
class SkillInput:
    kind: str
    occupation: str = ""
    language: str = ""
    description: str = ""
    level: str = ""
    issuer: str = ""
    evidence: str = ""


@dataclass
class RegistrationInput:
    full_name: str
    sex: str
    nationality: str
    given_name: str = ""
    family_name: str = ""
    native_name: str = ""
    aliases: list[str] = field(default_factory=list)
    birth_date: dt.date | None = None
    birth_date_precision: str = DatePrecision.DAY
    phone: str = ""
    email: str = ""
    home_area: str = ""
    address: str = ""
    has_disability: bool | None = None
    household_size: int | None = None
    dependants: int | None = None
    languages: list[str] = field(default_factory=list)
    education_level: str = EducationLevel.UNKNOWN
    identifiers: list[IdentifierInput] = field(default_factory=list)
    episode: EpisodeInput | None = None
    return_: ReturnInput | None = None
    skills: list[SkillInput] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    consent_method: str = ConsentMethod.VERBAL


@dataclass
class Resolved:
    """A validated registration with its codes resolved to records."""

    data: RegistrationInput
    nationality: Country
    home_area: AdminArea | None
    phone: str
    identifiers: list[tuple[IdentifierInput, Country, str]]
    destination_country: Country | None
    occupation: Occupation | None
    currency: Currency | None
    return_area: AdminArea | None
    skill_occupations: list[Occupation | None]
    skill_languages: list[Language | None]
    is_minor: bool


class ReferenceQueries:
    """Codes resolved to records with one query each: right for one registration."""

    def country(self, code: str) -> Country | None:
        return Country.objects.filter(pk=code.upper()).first()

    def area(self, country: Country, code: str) -> AdminArea | None:
        return AdminArea.objects.filter(country=country, code=code, is_active=True).first()

    def occupation(self, code: str) -> Occupation | None:
        return Occupation.objects.filter(pk=code).first()

    def language(self, code: str) -> Language | None:
        return Language.objects.filter(pk=code).first()

    def known_languages(self, codes: list[str]) -> set[str]:
        return set(Language.objects.filter(code__in=codes).values_list("code", flat=True))

    def currency(self, code: str) -> Currency | None:
        return Currency.objects.filter(pk=code.upper()).first()

    def identifier_problem(
        self, kind: str, number: str, country: str, *, birth_date: dt.date | None, sex: str
    ) -> str | None:
        return check_identifier(kind, number, country, birth_date=birth_date, sex=sex)


class Lookups(ReferenceQueries):
    """Reference data loaded once (countries, occupations, languages, currencies; a
    country's active areas on first use), for validating many registrations without a
    query per row. Build one per file; it does not see reference data changed after."""

    def __init__(self) -> None:
        self.countries = {c.pk: c for c in Country.objects.all()}
        self.occupations = {o.pk: o for o in Occupation.objects.all()}
        self.languages = {lang.pk: lang for lang in Language.objects.all()}
        self.currencies = {c.pk: c for c in Currency.objects.all()}
        self._areas: dict[str, dict[str, AdminArea]] = {}

    def country(self, code: str) -> Country | None:
        return self.countries.get(code.upper())

    def preload(self, country_code: str) -> None:
        """Load now what validating rows of this country would load on first use."""
        country = self.country(country_code)
        if country is not None:
            self.areas_of(country)
        if country_code == "ID":
            _nik_places()

    def areas_of(self, country: Country) -> dict[str, AdminArea]:
        """The country's active areas by official code (loaded on first use)."""
        areas = self._areas.get(country.pk)
        if areas is None:
            rows = AdminArea.objects.filter(country=country, is_active=True).defer("local_names")
            areas = self._areas[country.pk] = {a.code: a for a in rows}
        return areas

    def area(self, country: Country, code: str) -> AdminArea | None:
        return self.areas_of(country).get(code)

    def occupation(self, code: str) -> Occupation | None:
        return self.occupations.get(code)

    def language(self, code: str) -> Language | None:
        return self.languages.get(code)

    def known_languages(self, codes: list[str]) -> set[str]:
        return {code for code in codes if code in self.languages}

    def currency(self, code: str) -> Currency | None:
        return self.currencies.get(code.upper())

    def identifier_problem(
        self, kind: str, number: str, country: str, *, birth_date: dt.date | None, sex: str
    ) -> str | None:
        # An Indonesian NIK that passes python-stdnum's rules (checked here without its slow
        # place lookup) needs only the person check; any other goes the full way, so that
        # the answer and the message are always check_identifier's.
        if kind == IdentifierKind.NATIONAL_ID and country == "ID" and _nik_passes_stdnum(number):
            return check_nik_against_person(number, birth_date, sex)
        return check_identifier(kind, number, country, birth_date=birth_date, sex=sex)


@functools.cache
def _nik_places() -> frozenset[str]:
    """The first four digits python-stdnum accepts as a NIK's place of registration
    (``stdnum.id.nik``: its place check reads those four digits only)."""
    from stdnum import numdb

    places = numdb.get("id/loc")
    return frozenset(p for p in (f"{i:04d}" for i in range(10000)) if places.info(p)[0][1])


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _nik_passes_stdnum(number: str) -> bool:
    """``stdnum.id.nik.validate`` for a normalised number: 16 digits, a date of birth that
    exists in the 1900s or 2000s (day + 40 for women), a known place."""
    if len(number) != 16 or not (number.isascii() and number.isdigit()):
        return False
    day, month, year = int(number[6:8]) % 40, int(number[8:10]), int(number[10:12])
    if not (_valid_date(1900 + year, month, day) or _valid_date(2000 + year, month, day)):
        return False
    return number[:4] in _nik_places()


@functools.cache
def _allowed(choices: type[models.Choices]) -> frozenset[Any]:
    return frozenset(choices.values)


def _quoted(value: object) -> str:
    """A value not understood, as a message shows it: on one line and short. A cell that
    ran over (a stray quote in a file) or a name typed in a code's place is not repeated
    whole in a problem report that others may read."""
    text = " ".join(str(value).split())
    return text if len(text) <= QUOTED_MAX else text[: QUOTED_MAX - 1] + "…"


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, path: str, reason: str) -> None:
        self.items.append({"field": path, "reason": reason})

    def choice(self, path: str, value: str, choices: Any, *, blank: bool = False) -> None:
        if (blank and value == "") or value in _allowed(choices):
            return
        self.add(
            path, _("“%(value)s” is not one of the allowed values") % {"value": _quoted(value)}
        )


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_minor_on(birth: dt.date, day: dt.date) -> bool:
    return _age_on(birth, day) < ADULT_AGE


# Text kept as given, by the column it goes to: longer text is a problem named here, not a
# database error at the end.
_TEXT_COLUMNS: dict[str, tuple[type[models.Model], str]] = {
    "given_name": (Person, "given_name"),
    "family_name": (Person, "family_name"),
    "native_name": (PersonName, "written"),
    "aliases": (PersonName, "written"),
    "email": (Person, "email"),
    "address": (Person, "address"),
    "episode.destination_city": (MigrationEpisode, "destination_city"),
    "episode.employer_name": (MigrationEpisode, "employer_name"),
    "episode.job_title": (MigrationEpisode, "job_title"),
    "episode.visa_type": (MigrationEpisode, "visa_type"),
    "episode.agency_name": (MigrationEpisode, "agency_name"),
    "return.port_of_entry": (Return, "port_of_entry"),
    "return.support_received": (Return, "support_received"),
    "skills.description": (Skill, "description"),
    "skills.issuer": (Skill, "issuer"),
    "skills.evidence": (Skill, "evidence"),
}


# What the cost's column holds (numeric(12, 2)): ten digits before the point.
_COST_FIELD = MigrationEpisode._meta.get_field("migration_cost")
_COST_LIMIT = Decimal(10) ** (
    int(getattr(_COST_FIELD, "max_digits", 12)) - int(getattr(_COST_FIELD, "decimal_places", 2))
)


@functools.cache
def _text_limit(path: str) -> int:
    model, name = _TEXT_COLUMNS[path]
    column = model._meta.get_field(name)
    if not isinstance(column, models.CharField):
        raise TypeError(f"{model.__name__}.{name} is not a text column")
    return int(column.max_length or 0)


def _check_lengths(errors: _Errors, data: RegistrationInput) -> None:
    def check(path: str, shown: str, value: str) -> None:
        limit = _text_limit(path)
        if len(value.strip()) > limit:
            errors.add(shown, _("at most %(limit)d characters") % {"limit": limit})

    for name in ("given_name", "family_name", "native_name", "email", "address"):
        check(name, name, getattr(data, name))
    for i, alias in enumerate(data.aliases):
        check("aliases", f"aliases[{i}]", alias)
    if data.episode is not None:
        for name in ("destination_city", "employer_name", "job_title", "visa_type", "agency_name"):
            check(f"episode.{name}", f"episode.{name}", getattr(data.episode, name))
    if data.return_ is not None:
        for name in ("port_of_entry", "support_received"):
            check(f"return.{name}", f"return.{name}", getattr(data.return_, name))
    for i, skill in enumerate(data.skills):
        for name in ("description", "issuer", "evidence"):
            check(f"skills.{name}", f"skills[{i}].{name}", getattr(skill, name))


def validate_registration(
    data: RegistrationInput,
    *,
    today: dt.date | None = None,
    lookups: ReferenceQueries | None = None,
) -> Resolved:
    """Check everything, resolve codes; raise :class:`InvalidInput` listing every problem.

    ``lookups``: a :class:`Lookups` shared by many calls (an import file); by default each
    code costs a query."""
    today = today or timezone.localdate()
    lookups = lookups or ReferenceQueries()
    errors = _Errors()
    full_name = " ".join(data.full_name.split())
    if not full_name:
        errors.add("full_name", _("the name is empty"))
    elif len(full_name) > 200:
        errors.add("full_name", _("the name is longer than 200 characters"))
    data.full_name = full_name
    _check_lengths(errors, data)
    errors.choice("sex", data.sex, Sex)
    errors.choice("birth_date_precision", data.birth_date_precision, DatePrecision)
    errors.choice("education_level", data.education_level, EducationLevel)
    errors.choice("consent_method", data.consent_method, ConsentMethod)
    for i, purpose in enumerate(data.consents):
        errors.choice(f"consents[{i}]", purpose, ConsentPurpose)

    nationality = lookups.country(data.nationality)
    if nationality is None:
        errors.add(
            "nationality",
            _("unknown country code “%(code)s”") % {"code": _quoted(data.nationality)},
        )

    is_minor = False
    if data.birth_date is not None:
        if data.birth_date > today:
            errors.add("birth_date", _("the date of birth is in the future"))
        elif data.birth_date.year < 1900:
            errors.add("birth_date", _("the date of birth is before 1900"))
        else:
            is_minor = is_minor_on(data.birth_date, today)

    phone = ""
    if data.phone.strip():
        region = nationality.pk if nationality else None
        try:
            parsed = phonenumbers.parse(data.phone, region)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            errors.add("phone", _("this is not a valid phone number"))
        else:
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if data.email.strip():
        try:
            validate_email(data.email.strip())
        except DjangoValidationError:
            errors.add("email", _("this is not a valid email address"))
    for name, value in (("household_size", data.household_size), ("dependants", data.dependants)):
        if value is not None and not 0 <= value <= 50:
            errors.add(name, _("must be a number from 0 to 50"))

    home_area = _area(errors, lookups, "home_area", data.home_area, nationality)
    known_languages = lookups.known_languages(data.languages) if data.languages else set()
    for i, code in enumerate(data.languages):
        if code not in known_languages:
            errors.add(
                f"languages[{i}]", _("unknown language “%(code)s”") % {"code": _quoted(code)}
            )

    identifiers = _identifiers(errors, lookups, data)
    destination, occupation, currency = _episode(errors, lookups, data.episode, nationality, today)
    return_area = _return(errors, lookups, data, nationality, today)
    skill_occupations, skill_languages = _skills(errors, lookups, data.skills)

    if errors.items or nationality is None:  # an unknown nationality is among the errors
        raise InvalidInput(errors=errors.items)
    return Resolved(
        data=data,
        nationality=nationality,
        home_area=home_area,
        phone=phone,
        identifiers=identifiers,
        destination_country=destination,
        occupation=occupation,
        currency=currency,
        return_area=return_area,
        skill_occupations=skill_occupations,
        skill_languages=skill_languages,
        is_minor=is_minor,
    )


def _area(
    errors: _Errors, lookups: ReferenceQueries, path: str, code: str, country: Country | None
) -> AdminArea | None:
    if not code.strip() or country is None:
        return None
    area = lookups.area(country, code.strip())
    if area is None:
        errors.add(
            path,
            _("unknown area code “%(code)s” in %(country)s")
            % {"code": _quoted(code), "country": country.name},
        )
    return area


def _identifiers(
    errors: _Errors, lookups: ReferenceQueries, data: RegistrationInput
) -> list[tuple[IdentifierInput, Country, str]]:
    exact_birth = data.birth_date if data.birth_date_precision == DatePrecision.DAY else None
    countries: dict[str, Country] = {}
    if isinstance(lookups, Lookups):
        countries = lookups.countries
    elif data.identifiers:
        countries = {
            c.pk: c
            for c in Country.objects.filter(
                pk__in=[i.issuing_country.upper() for i in data.identifiers]
            )
        }
    resolved = []
    for i, item in enumerate(data.identifiers):
        path = f"identifiers[{i}]"
        errors.choice(f"{path}.kind", item.kind, IdentifierKind)
        country = countries.get(item.issuing_country.upper())
        if country is None:
            errors.add(
                f"{path}.issuing_country",
                _("unknown country code “%(code)s”") % {"code": _quoted(item.issuing_country)},
            )
            continue
        number = normalise_number(item.number)
        problem = lookups.identifier_problem(
            item.kind, number, country.pk, birth_date=exact_birth, sex=data.sex
        )
        if problem:
            errors.add(f"{path}.number", problem)
            continue
        resolved.append((item, country, number))
    return resolved


def _episode(
    errors: _Errors,
    lookups: ReferenceQueries,
    episode: EpisodeInput | None,
    nationality: Country | None,
    today: dt.date,
) -> tuple[Country | None, Occupation | None, Currency | None]:
    if episode is None:
        return None, None, None
    destination = lookups.country(episode.destination_country)
    if destination is None:
        errors.add(
            "episode.destination_country",
            _("unknown country code “%(code)s”") % {"code": _quoted(episode.destination_country)},
        )
    elif nationality is not None and destination.pk == nationality.pk:
        errors.add("episode.destination_country", _("the destination is the worker's own country"))
    occupation = None
    if episode.occupation:
        occupation = lookups.occupation(episode.occupation)
        if occupation is None:
            errors.add(
                "episode.occupation",
                _("unknown ISCO-08 code “%(code)s”") % {"code": _quoted(episode.occupation)},
            )
    if episode.sector and episode.sector not in ISIC_SECTIONS:
        errors.add(
            "episode.sector",
            _("unknown ISIC section “%(code)s”") % {"code": _quoted(episode.sector)},
        )
    errors.choice("episode.legal_status", episode.legal_status, LegalStatus)
    for i, code in enumerate(episode.cost_financing):
        errors.choice(f"episode.cost_financing[{i}]", code, CostFinancing)
    for i, code in enumerate(episode.abuse_indicators):
        errors.choice(f"episode.abuse_indicators[{i}]", code, AbuseIndicator)
    if episode.started_on and episode.started_on > today:
        errors.add("episode.started_on", _("the start date is in the future"))
    if episode.ended_on and episode.started_on and episode.ended_on < episode.started_on:
        errors.add("episode.ended_on", _("the work abroad ends before it starts"))
    currency = None
    if episode.migration_cost is not None:
        cost = Decimal(episode.migration_cost)
        if not cost.is_finite():
            errors.add("episode.migration_cost", _("this is not a number"))
        elif cost < 0:
            errors.add("episode.migration_cost", _("the cost cannot be negative"))
        elif cost >= _COST_LIMIT:
            errors.add(
                "episode.migration_cost",
                _("the cost is too large (at most %(limit)s)") % {"limit": f"{_COST_LIMIT - 1:,}"},
            )
        currency = lookups.currency(episode.migration_cost_currency)
        if currency is None:
            errors.add(
                "episode.migration_cost_currency",
                _("give the currency of the cost (ISO 4217, such as IDR)"),
            )
    return destination, occupation, currency


def _return(
    errors: _Errors,
    lookups: ReferenceQueries,
    data: RegistrationInput,
    nationality: Country | None,
    today: dt.date,
) -> AdminArea | None:
    item = data.return_
    if item is None:
        return None
    errors.choice("return.status", item.status, ReturnStatus)
    errors.choice("return.reason", item.reason, ReturnReason)
    errors.choice("return.mode", item.mode, ReturnMode)
    errors.choice("return.readiness", item.readiness, Readiness)
    errors.choice("return.intention", item.intention, Intention)
    if item.status == ReturnStatus.ARRIVED:
        if item.returned_on is None:
            errors.add("return.returned_on", _("give the date of return"))
        elif item.returned_on > today:
            errors.add("return.returned_on", _("the date of return is in the future"))
    started = data.episode.started_on if data.episode else None
    if item.returned_on and started and item.returned_on < started:
        errors.add("return.returned_on", _("the return is before the departure"))
    if item.returned_on and data.birth_date and item.returned_on < data.birth_date:
        errors.add("return.returned_on", _("the return is before the date of birth"))
    return _area(errors, lookups, "return.destination_area", item.destination_area, nationality)


def _skills(
    errors: _Errors, lookups: ReferenceQueries, skills: list[SkillInput]
) -> tuple[list[Occupation | None], list[Language | None]]:
    occupations: list[Occupation | None] = []
    languages: list[Language | None] = []
    for i, skill in enumerate(skills):
        errors.choice(f"skills[{i}].kind", skill.kind, Skill.Kind)
        errors.choice(f"skills[{i}].level", skill.level, SkillLevel, blank=True)
        occupation = lookups.occupation(skill.occupation) if skill.occupation else None
        if skill.occupation and occupation is None:
            errors.add(
                f"skills[{i}].occupation",
                _("unknown ISCO-08 code “%(code)s”") % {"code": _quoted(skill.occupation)},
            )
        language = lookups.language(skill.language) if skill.language else None
        if skill.language and language is None:
            errors.add(
                f"skills[{i}].language",
                _("unknown language “%(code)s”") % {"code": _quoted(skill.language)},
            )
        occupations.append(occupation)
        languages.append(language)
    return occupations, languages
