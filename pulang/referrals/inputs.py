"""What a provider states about one service in the directory, and its validation.

An :class:`EntryInput` is the whole entry as proposed: a page form, the API or the demo
build one, ``service_propose`` validates it (every problem at once, by field, nothing
saved) and keeps it in ``ServiceChange.proposed`` as JSON until a supervisor approves it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils.translation import gettext as _

from pulang.errors import InvalidInput
from pulang.geo.models import AdminArea
from pulang.reference.selectors import language_list
from pulang.referrals.codes import Cost, ProviderKind, ReturnMode, ServiceType
from pulang.referrals.models import TEXT_FIELDS
from pulang.registry.codes import Sex

# The longest text each field of an entry may hold, per language.
TEXT_MAX: dict[str, int] = {
    "name": 200,
    "description": 2000,
    "eligibility": 1000,
    "how_to_apply": 1000,
    "hours": 300,
    "cost_note": 300,
}
# The texts a language needs before it can be shown at all.
REQUIRED_TEXTS = ("name", "description")
AREAS_MAX = 200
LANGUAGES_MAX = 30
AGE_MAX = 120
CAPACITY_MAX = 100_000
ADDRESS_MAX = 300
WEBSITE_MAX = 200
_SEPARATORS = re.compile(r"[\s,;]+")


def entry_languages() -> tuple[str, ...]:
    """The languages an entry is written in: the languages of the interface."""
    return tuple(code for code, _name in settings.LANGUAGES)


def languages_in_order(first: str = "") -> list[str]:
    """Which language's texts to show: ``first`` (the reader's), then the directory's
    fallbacks (Indonesian, then English), then the other languages of the interface."""
    known = entry_languages()
    fallback = getattr(settings, "PULANG_DIRECTORY_FALLBACK_LANGUAGES", ("id", "en"))
    preferred = [lang for lang in fallback if lang in known]
    return list(dict.fromkeys(lang for lang in (first, *preferred, *known) if lang))


@dataclass(frozen=True)
class EntryInput:
    """Everything a provider states about one service. Empty lists and ages mean
    "anyone"; ``texts`` maps a language of the interface to its texts (``TEXT_FIELDS``)."""

    provider_kind: str
    service_type: str
    texts: Mapping[str, Mapping[str, str]]
    covers_country: bool = False
    areas: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    return_modes: tuple[str, ...] = ()
    vulnerable_only: bool = False
    capacity: int | None = None
    languages: tuple[str, ...] = ()
    cost: str = Cost.FREE
    phone: str = ""
    email: str = ""
    address: str = ""
    website: str = ""

    def to_json(self) -> dict[str, Any]:
        """The entry as ``ServiceChange.proposed`` keeps it."""
        return {
            "provider_kind": self.provider_kind,
            "service_type": self.service_type,
            "texts": {lang: dict(texts) for lang, texts in self.texts.items()},
            "covers_country": self.covers_country,
            "areas": list(self.areas),
            "sexes": list(self.sexes),
            "min_age": self.min_age,
            "max_age": self.max_age,
            "return_modes": list(self.return_modes),
            "vulnerable_only": self.vulnerable_only,
            "capacity": self.capacity,
            "languages": list(self.languages),
            "cost": self.cost,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "website": self.website,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EntryInput:
        """The entry back from ``to_json`` (a key missing from an older proposal takes its
        default)."""

        def strings(key: str) -> tuple[str, ...]:
            return tuple(str(v) for v in data.get(key) or ())

        texts = data.get("texts") or {}
        return cls(
            provider_kind=str(data.get("provider_kind", "")),
            service_type=str(data.get("service_type", "")),
            texts={
                str(lang): {str(k): str(v) for k, v in (values or {}).items()}
                for lang, values in texts.items()
            },
            covers_country=bool(data.get("covers_country", False)),
            areas=strings("areas"),
            sexes=strings("sexes"),
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            return_modes=strings("return_modes"),
            vulnerable_only=bool(data.get("vulnerable_only", False)),
            capacity=data.get("capacity"),
            languages=strings("languages"),
            cost=str(data.get("cost", Cost.FREE)),
            phone=str(data.get("phone", "")),
            email=str(data.get("email", "")),
            address=str(data.get("address", "")),
            website=str(data.get("website", "")),
        )


@dataclass(frozen=True)
class ValidEntry:
    """A checked entry: ``entry`` normalised (texts trimmed, empty ones dropped, the
    phone number in international form), and its areas found."""

    entry: EntryInput
    areas: list[AdminArea] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The name in the first language that has one, for lists and sorting."""
        for lang in (*languages_in_order(), *sorted(self.entry.texts)):
            name = self.entry.texts.get(lang, {}).get("name", "")
            if name:
                return name
        return ""


def area_codes_of(text: str) -> tuple[str, ...]:
    """Area codes as typed in a form: one per line or separated by commas; words after a
    code on its line (the area's name, as the form shows it) are ignored."""
    codes: list[str] = []
    for line in re.split(r"[\n,;]+", text):
        words = _SEPARATORS.split(line.strip())
        if words and words[0]:
            codes.append(words[0])
    return tuple(codes)


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, reason: str) -> None:
        self.items.append({"field": path, "reason": reason})

    def choice(self, path: str, value: str, choices: type[models.TextChoices]) -> None:
        if value not in choices.values:
            self.add(path, _("“%(value)s” is not one of the listed values") % {"value": value})

    def choices(
        self, path: str, values: tuple[str, ...], choices: type[models.TextChoices]
    ) -> tuple[str, ...]:
        for i, value in enumerate(values):
            self.choice(f"{path}[{i}]", value, choices)
        return tuple(dict.fromkeys(values))


def _clean_texts(problems: _Problems, texts: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    known = entry_languages()
    cleaned: dict[str, dict[str, str]] = {}
    for lang, values in texts.items():
        if lang not in known:
            problems.add(
                f"texts.{lang}",
                _("“%(code)s” is not a language the directory is written in") % {"code": lang},
            )
            continue
        kept: dict[str, str] = {}
        for name, value in values.items():
            if name not in TEXT_FIELDS:
                problems.add(f"texts.{lang}.{name}", _("not a text of a directory entry"))
                continue
            text = "\n".join(line.strip() for line in str(value).strip().splitlines())
            if len(text) > TEXT_MAX[name]:
                problems.add(
                    f"texts.{lang}.{name}",
                    _("at most %(count)d characters") % {"count": TEXT_MAX[name]},
                )
            elif text:
                kept[name] = text
        if not kept:
            continue  # a language left empty is simply not offered
        for name in REQUIRED_TEXTS:
            if name not in kept:
                problems.add(
                    f"texts.{lang}.{name}",
                    _("needed in this language, since other texts are written in it"),
                )
        cleaned[lang] = kept
    if not cleaned and not any(p["field"].startswith("texts.") for p in problems.items):
        problems.add(
            "texts",
            _("write at least the name and what the service is, in one language"),
        )
    return cleaned


def _clean_areas(
    problems: _Problems, codes: tuple[str, ...], covers_country: bool, country_code: str
) -> list[AdminArea]:
    unique = tuple(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not unique:
        if not covers_country:
            problems.add("areas", _("choose where the service is offered, or the whole country"))
        return []
    if len(unique) > AREAS_MAX:
        problems.add("areas", _("at most %(count)d areas") % {"count": AREAS_MAX})
        return []
    found = {
        a.code: a
        for a in AdminArea.objects.filter(country_id=country_code, code__in=unique, is_active=True)
    }
    areas = []
    for i, code in enumerate(unique):
        area = found.get(code)
        if area is None:
            problems.add(f"areas[{i}]", _("no area has the code “%(code)s”") % {"code": code})
        elif area.level == AdminArea.Level.COUNTRY:
            problems.add(
                f"areas[{i}]",
                _("for the whole country, tick “offered in the whole country” instead"),
            )
        else:
            areas.append(area)
    return areas


def _clean_phone(problems: _Problems, phone: str, country_code: str) -> str:
    if not phone.strip():
        return ""
    try:
        parsed = phonenumbers.parse(phone, country_code)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if parsed is not None and phonenumbers.is_valid_short_number(parsed):
        # A hotline (112, 129): dialled as it is, never with the country code.
        return phonenumbers.national_significant_number(parsed)
    problems.add("phone", _("this is not a valid phone number"))
    return phone


def _clean_number(
    problems: _Problems, path: str, value: int | None, lowest: int, highest: int
) -> None:
    if value is not None and not lowest <= value <= highest:
        problems.add(
            path,
            _("must be a whole number from %(lowest)d to %(highest)d")
            % {"lowest": lowest, "highest": highest},
        )


def validate_entry(entry: EntryInput, *, country_code: str) -> ValidEntry:
    """Check everything the provider stated; raise :class:`InvalidInput` listing every
    problem (field and reason). ``country_code``: the provider's country, where its areas
    and phone numbers are."""
    problems = _Problems()
    problems.choice("provider_kind", entry.provider_kind, ProviderKind)
    problems.choice("service_type", entry.service_type, ServiceType)
    texts = _clean_texts(problems, entry.texts)
    areas = _clean_areas(problems, entry.areas, entry.covers_country, country_code)
    sexes = problems.choices("sexes", entry.sexes, Sex)
    modes = problems.choices("return_modes", entry.return_modes, ReturnMode)
    _clean_number(problems, "min_age", entry.min_age, 0, AGE_MAX)
    _clean_number(problems, "max_age", entry.max_age, 0, AGE_MAX)
    if entry.min_age is not None and entry.max_age is not None and entry.min_age > entry.max_age:
        problems.add("max_age", _("must not be below the lowest age"))
    _clean_number(problems, "capacity", entry.capacity, 1, CAPACITY_MAX)

    languages = tuple(dict.fromkeys(code.strip() for code in entry.languages if code.strip()))
    if len(languages) > LANGUAGES_MAX:
        problems.add("languages", _("at most %(count)d languages") % {"count": LANGUAGES_MAX})
    elif languages:
        known = set(language_list().filter(code__in=languages).values_list("code", flat=True))
        for i, code in enumerate(languages):
            if code not in known:
                problems.add(f"languages[{i}]", _("unknown language “%(code)s”") % {"code": code})
    problems.choice("cost", entry.cost, Cost)

    phone = _clean_phone(problems, entry.phone, country_code)
    email = entry.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add("email", _("this is not a valid email address"))
    website = entry.website.strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            problems.add("website", _("this is not a web address (https://…)"))
        if len(website) > WEBSITE_MAX:
            problems.add("website", _("at most %(count)d characters") % {"count": WEBSITE_MAX})
    address = " ".join(entry.address.split())
    if len(address) > ADDRESS_MAX:
        problems.add("address", _("at most %(count)d characters") % {"count": ADDRESS_MAX})
    if not (phone or email or address or website):
        problems.add(
            "phone",
            _(
                "give at least one way to reach the service: a phone, an email, an address "
                "or a website"
            ),
        )
    if problems.items:
        raise InvalidInput(errors=problems.items)
    cleaned = replace(
        entry,
        texts=texts,
        areas=tuple(a.code for a in areas),
        sexes=sexes,
        return_modes=modes,
        languages=languages,
        phone=phone,
        email=email,
        address=address,
        website=website,
    )
    return ValidEntry(entry=cleaned, areas=areas)
