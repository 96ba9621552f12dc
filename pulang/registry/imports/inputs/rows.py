"""One row of a file → one :class:`RegistrationInput`, through a source's column mapping,
defaults and code translations. Problems are reported by target field; the caller names
the column. Nothing here queries the database: codes resolve through a preloaded
:class:`~pulang.registry.inputs.Lookups`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from pulang.registry.codes import (
    AbuseIndicator,
    ConsentMethod,
    ConsentPurpose,
    CostFinancing,
    DatePrecision,
    EducationLevel,
    Intention,
    LegalStatus,
    Readiness,
    ReturnMode,
    ReturnReason,
    ReturnStatus,
    Sex,
)
from pulang.registry.imports.errors import ImportMappingIncomplete
from pulang.registry.imports.inputs.files import Cell, header_key
from pulang.registry.imports.inputs.targets import BY_NAME, DOCUMENT_KINDS, EPISODE_FIELDS, Kind
from pulang.registry.inputs import (
    EpisodeInput,
    IdentifierInput,
    Lookups,
    RegistrationInput,
    ReturnInput,
)

# Date layouts a source may declare; ISO dates (2025-03-02) are always understood too.
DATE_FORMATS: dict[str, str] = {
    "YYYY-MM-DD": r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",
    "DD/MM/YYYY": r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})",
    "DD-MM-YYYY": r"(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})",
    "DD.MM.YYYY": r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",
    "MM/DD/YYYY": r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})",
    "YYYY/MM/DD": r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
    "YYYY.MM.DD": r"(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})",
    "YYYYMMDD": r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
}
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_YEAR = re.compile(r"\d{4}$")
_LIST_SEPARATORS = re.compile(r"\s*[;,|]\s*")
# The people a row describes may be written without a name (some destination countries'
# return files): the source then gives a stand-in, which is never made searchable.
REQUIRED = ("full_name", "sex", "nationality", "reason", "mode")
_YES = frozenset({"yes", "y", "true", "1", "ya", "benar"})
_NO = frozenset({"no", "n", "false", "0", "tidak", "salah"})
_SEX_WORDS = {
    "male": Sex.MALE,
    "man": Sex.MALE,
    "laki-laki": Sex.MALE,
    "lelaki": Sex.MALE,
    "pria": Sex.MALE,
    "female": Sex.FEMALE,
    "woman": Sex.FEMALE,
    "perempuan": Sex.FEMALE,
    "wanita": Sex.FEMALE,
    "other": Sex.OTHER,
    "unknown": Sex.OTHER,
}
CHOICES: dict[str, type[models.Choices]] = {
    "sex": Sex,
    "birth_date_precision": DatePrecision,
    "education_level": EducationLevel,
    "consent_method": ConsentMethod,
    "legal_status": LegalStatus,
    "return_status": ReturnStatus,
    "reason": ReturnReason,
    "mode": ReturnMode,
    "readiness": Readiness,
    "intention": Intention,
    "consents": ConsentPurpose,
    "cost_financing": CostFinancing,
    "abuse_indicators": AbuseIndicator,
}
_COUNTRY_TARGETS = frozenset({"nationality", "destination_country"})
# Turns one cell into a value, adding (target, reason) to the errors when it cannot.
Reader = Callable[[Cell, list[tuple[str, str]]], Any]


@dataclass
class SourceConfig:
    """A source's mapping and defaults, as stored on :class:`ImportSource`."""

    mapping: dict[str, list[str]]
    defaults: dict[str, str] = field(default_factory=dict)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: str = "YYYY-MM-DD"
    encoding: str = "utf-8"
    # "own": rows of another nationality than the organisation's are left out, not errors.
    nationality_filter: str = ""

    @classmethod
    def from_json(cls, mapping: dict[str, Any], defaults: dict[str, Any]) -> SourceConfig:
        columns = {
            target: [header] if isinstance(header, str) else [str(h) for h in header]
            for target, header in (mapping or {}).items()
            if target in BY_NAME and header
        }
        defaults = dict(defaults or {})
        return cls(
            mapping=columns,
            defaults={
                k: str(v) for k, v in (defaults.get("values") or {}).items() if k in BY_NAME and v
            },
            translations={
                target: {str(k).strip().casefold(): str(v) for k, v in values.items()}
                for target, values in (defaults.get("translations") or {}).items()
                if target in BY_NAME and isinstance(values, dict)
            },
            date_format=str(defaults.get("date_format") or "YYYY-MM-DD"),
            encoding=str(defaults.get("encoding") or "utf-8"),
            nationality_filter=str(defaults.get("nationality_filter") or ""),
        )


@dataclass
class Converted:
    data: RegistrationInput | None
    errors: list[tuple[str, str]]  # (target, reason)
    key_text: str  # the mapped values, normalised: what the row hash is made of
    record_id: str
    documents: list[str]  # document targets in the order of data.identifiers
    name_given: bool
    payload: dict[str, str]


class RowConverter:
    """Built once per file: the columns each target reads, then ``convert`` per row."""

    def __init__(self, headers: list[str], config: SourceConfig, lookups: Lookups) -> None:
        self.headers = headers
        self.config = config
        self.lookups = lookups
        self.columns, problems = _resolve(headers, config)
        if problems:
            raise ImportMappingIncomplete.by_field(problems)
        self._date = re.compile(DATE_FORMATS.get(config.date_format, DATE_FORMATS["YYYY-MM-DD"]))
        self._date_label = (
            config.date_format if config.date_format in DATE_FORMATS else "YYYY-MM-DD"
        )
        self._choice_words = _choice_words()
        self._countries = _country_words(lookups)
        # In target order, so that a row's key does not depend on the column order.
        self._read: list[tuple[str, int, Reader]] = [
            (target, index, self._reader(target)) for target, index in sorted(self.columns.items())
        ]
        self._defaults = [
            (target, self._reader(target), value) for target, value in config.defaults.items()
        ]

    def column_of(self, target: str) -> str:
        """The header of the column a target reads, or the target's label (a default)."""
        index = self.columns.get(target)
        return self.headers[index] if index is not None else str(BY_NAME[target].label)

    def convert(self, cells: list[Cell]) -> Converted:
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        key_parts: list[str] = []
        for target, index, read in self._read:
            raw = cells[index]
            if raw == "":
                continue
            if raw.__class__ is str:
                key_parts.append(target + "=" + " ".join(raw.split()).casefold())  # type: ignore[union-attr]
            else:
                key_parts.append(target + "=" + raw.isoformat())  # type: ignore[union-attr]
            value = read(raw, errors)
            if value is not None:
                values[target] = value
        from_row = set(values)
        for target, read, default in self._defaults:
            if target not in values:
                values[target] = read(default, errors)
        payload = {
            h: c if isinstance(c, str) else c.isoformat()
            for h, c in zip(self.headers, cells, strict=False)
            if c != ""
        }
        columns = self.columns
        record_id = (
            _text(cells[columns["source_record_id"]]) if "source_record_id" in columns else ""
        )
        name_given = "full_name" in columns and cells[columns["full_name"]] != ""
        documents = [t for t in DOCUMENT_KINDS if values.get(t)]
        data = self._registration(values, from_row, documents, errors) if not errors else None
        return Converted(
            data=data,
            errors=errors,
            key_text="\x1f".join(key_parts),
            record_id=record_id,
            documents=documents,
            name_given=name_given,
            payload=payload,
        )

    def _reader(self, target: str) -> Reader:
        """How a cell of ``target`` becomes a value: chosen once per file, not per cell.
        The source's own translations come first, then the field's usual spellings."""
        kind = BY_NAME[target].kind
        if kind == Kind.DATE:
            return lambda raw, errors: self._parse_date(target, raw, errors)
        translations = self.config.translations.get(target, {})
        code = self._code_reader(target, translations)

        def translated(text: str) -> str | None:
            return translations.get(text.strip().casefold()) if translations else None

        if kind == Kind.TEXT:

            def text_value(raw: Cell, errors: list[tuple[str, str]]) -> Any:
                text = _text(raw)
                return translated(text) or " ".join(text.split())

            return text_value
        if kind == Kind.NUMBER:

            def number(raw: Cell, errors: list[tuple[str, str]]) -> Any:
                try:
                    return int(_text(raw))
                except ValueError:
                    errors.append((target, _("this is not a whole number")))
                    return None

            return number
        if kind == Kind.DECIMAL:

            def decimal(raw: Cell, errors: list[tuple[str, str]]) -> Any:
                try:
                    value = Decimal(_text(raw).replace(" ", ""))
                except InvalidOperation:
                    value = None
                if value is None or not value.is_finite():  # "NaN", "Infinity"
                    errors.append((target, _("this is not a number")))
                    return None
                return value

            return decimal
        if kind == Kind.YES_NO:

            def yes_no(raw: Cell, errors: list[tuple[str, str]]) -> Any:
                word = translated(_text(raw)) or _text(raw).strip().casefold()
                if word in _YES:
                    return True
                if word in _NO:
                    return False
                errors.append((target, _("write yes or no")))
                return None

            return yes_no
        if kind == Kind.CODES:
            return lambda raw, errors: [
                code(part) for part in _LIST_SEPARATORS.split(_text(raw)) if part
            ]
        return lambda raw, errors: code(_text(raw))

    def _code_reader(self, target: str, translations: dict[str, str]) -> Any:
        """A code as written → the code Pulang stores (validation says if it is wrong)."""
        if target in _COUNTRY_TARGETS:
            table = {**self._countries, **translations}
            return lambda text: table.get(text.strip().casefold(), text.strip())
        if target == "sex":
            sexes = {**{k: v.value for k, v in _SEX_WORDS.items()}, **translations}
            return lambda text: sexes.get(text.strip().casefold(), text.strip().upper())
        words = self._choice_words.get(target)
        if words is not None:
            table = {**words, **translations}

            def choice(text: str) -> str:
                word = text.strip().casefold()
                found = table.get(word) or table.get(word.replace(" ", "_").replace("-", "_"))
                return found or text.strip()

            return choice
        upper = target in {"sector", "migration_cost_currency"}

        def other(text: str) -> str:
            found = translations.get(text.strip().casefold()) if translations else None
            if found is not None:
                return found
            return text.strip().upper() if upper else text.strip()

        return other

    def _parse_date(self, target: str, raw: Cell, errors: list[tuple[str, str]]) -> Any:
        if isinstance(raw, dt.date):
            return raw
        if len(raw) == 10 and raw[4] == "-":
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass  # the slow way says why
        text = raw.strip()
        match = _ISO.match(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
        elif target == "birth_date" and _YEAR.match(text):
            if int(text) < 1:  # "0000": no such year
                errors.append((target, _("this date does not exist")))
                return None
            return dt.date(int(text), 1, 1), DatePrecision.YEAR.value
        else:
            found = self._date.fullmatch(text)
            if found is None:
                errors.append(
                    (
                        target,
                        _("this is not a date in the form %(form)s") % {"form": self._date_label},
                    )
                )
                return None
            y, m, d = int(found["y"]), int(found["m"]), int(found["d"])
        try:
            return dt.date(y, m, d)
        except ValueError:
            errors.append((target, _("this date does not exist")))
            return None

    def _registration(
        self,
        v: dict[str, Any],
        from_row: set[str],
        documents: list[str],
        errors: list[tuple[str, str]],
    ) -> RegistrationInput | None:
        birth = v.get("birth_date")
        precision = v.get("birth_date_precision", DatePrecision.DAY.value)
        if isinstance(birth, tuple):
            birth, precision = birth
        nationality = v.get("nationality", "")
        episode = None
        if v.get("destination_country"):
            episode = EpisodeInput(
                destination_country=v["destination_country"],
                destination_city=v.get("destination_city", ""),
                employer_name=v.get("employer_name", ""),
                sector=v.get("sector", ""),
                occupation=v.get("occupation", ""),
                job_title=v.get("job_title", ""),
                visa_type=v.get("visa_type", ""),
                started_on=v.get("started_on"),
                ended_on=v.get("ended_on"),
                agency_name=v.get("agency_name", ""),
                legal_status=v.get("legal_status", LegalStatus.UNKNOWN.value),
                migration_cost=v.get("migration_cost"),
                migration_cost_currency=v.get("migration_cost_currency", ""),
                cost_financing=v.get("cost_financing", []),
                abuse_indicators=v.get("abuse_indicators", []),
            )
        elif EPISODE_FIELDS & from_row:
            errors.append(("destination_country", _("give the country of work")))
            return None
        returned_on, expected_on = v.get("returned_on"), v.get("expected_on")
        status = v.get("return_status") or (
            ReturnStatus.EXPECTED.value
            if returned_on is None and expected_on is not None
            else ReturnStatus.ARRIVED.value
        )
        return RegistrationInput(
            full_name=v.get("full_name", ""),
            sex=v.get("sex", ""),
            nationality=nationality,
            given_name=v.get("given_name", ""),
            family_name=v.get("family_name", ""),
            native_name=v.get("native_name", ""),
            aliases=v.get("aliases", []),
            birth_date=birth,
            birth_date_precision=precision,
            phone=v.get("phone", ""),
            email=v.get("email", ""),
            home_area=v.get("home_area", ""),
            address=v.get("address", ""),
            has_disability=v.get("has_disability"),
            household_size=v.get("household_size"),
            dependants=v.get("dependants"),
            languages=v.get("languages", []),
            education_level=v.get("education_level", EducationLevel.UNKNOWN.value),
            identifiers=[IdentifierInput(DOCUMENT_KINDS[t], v[t], nationality) for t in documents],
            episode=episode,
            return_=ReturnInput(
                reason=v.get("reason", ""),
                mode=v.get("mode", ""),
                status=status,
                returned_on=returned_on,
                expected_on=expected_on,
                port_of_entry=v.get("port_of_entry", ""),
                readiness=v.get("readiness", Readiness.UNKNOWN.value),
                intention=v.get("intention", Intention.UNDECIDED.value),
                destination_area=v.get("return_area", ""),
                support_received=v.get("support_received", ""),
            ),
            consents=v.get("consents", []),
            consent_method=v.get("consent_method", ConsentMethod.VERBAL.value),
        )


def mapping_problems(headers: list[str], config: SourceConfig) -> list[tuple[str, str]]:
    """What the mapping lacks for a file with these headers, as ``(target, problem)``."""
    return _resolve(headers, config)[1]


def _resolve(
    headers: list[str], config: SourceConfig
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    keys = {header_key(h): i for i, h in enumerate(headers)}
    columns: dict[str, int] = {}
    missing: dict[str, str] = {}
    for target, accepted in config.mapping.items():
        index = next((keys[k] for k in map(header_key, accepted) if k in keys), None)
        if index is not None:
            columns[target] = index
        elif accepted:
            missing[target] = accepted[0]
    return columns, missing_required(set(columns), set(config.defaults), missing)


def missing_required(
    mapped: set[str], defaulted: set[str], missing: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """What a mapping lacks, as ``(target, problem)``: each required field needs a column
    or a default, and the date of return (or of the expected return) needs a column.
    ``missing``: headers the mapping names that the file lacks."""
    missing = missing or {}
    problems = []
    for target in REQUIRED:
        if target in mapped or target in defaulted:
            continue
        if target in missing:
            problem = _("The file has no column “%(header)s” for %(field)s.") % {
                "header": missing[target],
                "field": BY_NAME[target].label,
            }
        else:
            problem = _("Choose a column or give a default for %(field)s.") % {
                "field": BY_NAME[target].label
            }
        problems.append((target, problem))
    if not {"returned_on", "expected_on"} & mapped:
        header = missing.get("returned_on") or missing.get("expected_on")
        if header:
            problem = _("The file has no column “%(header)s” for %(field)s.") % {
                "header": header,
                "field": BY_NAME["returned_on"].label,
            }
        else:
            problem = _(
                "Choose the column of the date of return or of the expected date of return."
            )
        problems.append(("returned_on", problem))
    return problems


def row_key(converted: Converted, source_id: int) -> str:
    """The row's stable key (IntakeRecord.idempotency_key): the sender's record number
    when the source maps one, else a hash of the row's mapped values."""
    if converted.record_id:
        key = f"s{source_id}:{converted.record_id}"
        if len(key) <= 100:
            return key
        return f"s{source_id}:#" + hashlib.sha256(converted.record_id.encode()).hexdigest()
    return "h:" + hashlib.sha256(converted.key_text.encode()).hexdigest()


def occurrence_key(key: str, occurrence: int) -> str:
    """The key of the ``occurrence``-th row of a file with the same content as the row
    keyed ``key`` (rows that nothing tells apart; see ``RowChecker.check``)."""
    return "h:" + hashlib.sha256(f"{key}#{occurrence}".encode()).hexdigest()


def _text(raw: Cell) -> str:
    return raw.isoformat() if isinstance(raw, dt.date) else raw


def _choice_words() -> dict[str, dict[str, str]]:
    """Code lists by target: each code, and its English label, lower case → code."""
    words: dict[str, dict[str, str]] = {}
    with translation.override("en"):
        for target, choices in CHOICES.items():
            table: dict[str, str] = {}
            for value, label in choices.choices:
                table[str(value).casefold()] = str(value)
                table[str(label).casefold()] = str(value)
            words[target] = table
    return words


def _country_words(lookups: Lookups) -> dict[str, str]:
    """Countries by alpha-2, alpha-3 and English name, lower case → alpha-2."""
    words: dict[str, str] = {}
    for country in lookups.countries.values():
        words[country.alpha3.casefold()] = country.pk
        words[country.name.casefold()] = country.pk
        words[country.pk.casefold()] = country.pk
    return words
