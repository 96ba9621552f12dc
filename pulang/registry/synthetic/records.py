"""Records: a human being as one channel reported them. The first record of each human is
the careful one; duplicates are what another channel wrote, with the corruptions clerks,
forms and transliteration bring. Records become table rows here, name keys included."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, replace
from random import Random

from pulang.registry.codes import Channel, DatePrecision, IdentifierKind, ReturnStatus
from pulang.registry.names import name_keys
from pulang.registry.synthetic.data import NATIVE_SCRIPT_COUNTRIES, Lists, Pool, pool_of
from pulang.registry.synthetic.documents import Area, AreaIndex, Issuer, mistype_number, phone
from pulang.registry.synthetic.migration import Episode
from pulang.registry.synthetic.naming import Writing, Written, write_name
from pulang.registry.synthetic.people import Consent, Human

_GULF = frozenset({"SA", "AE", "KW", "QA"})
_CORRUPTIONS = pool_of(
    {
        "typo": 25.0,
        "spelling": 20.0,
        "swapped": 10.0,
        "short_or_long": 10.0,
        "nickname": 8.0,
        "birth_missing": 7.0,
        "birth_year": 8.0,
        "birth_estimated": 6.0,
        "birth_swap": 3.0,
        "id_missing": 12.0,
        "id_digit": 8.0,
        "passport_renewed": 5.0,
        "phone_changed": 12.0,
        "phone_missing": 6.0,
        "area_missing": 5.0,
        "area_coarse": 4.0,
        "sex_wrong": 1.0,
    }
)
_MIDDLE = Pool(("full", "initial", "none"), (80, 15, 5))
_HOW_MANY = Pool((1, 2, 3, 4), (40, 35, 20, 5))
# How a record of a Thai, Khmer, Lao or Burmese person writes the name: own script only,
# romanised with the own-script name kept beside it, or romanised only.
_SCRIPT_HOME = pool_of({"native": 30.0, "both": 30.0, "latin": 40.0})
_SCRIPT_ABROAD = pool_of({"native": 15.0, "both": 15.0, "latin": 70.0})


@dataclass(slots=True)
class Record:
    pk: int
    human: Human
    name: Written
    sex: str
    birth_date: dt.date | None
    precision: str
    phone: str
    area: Area | None
    address: str
    national_id: str | None
    passport: str | None
    episodes: list[Episode]
    consents: list[Consent]
    reported_at: dt.datetime


def _writing(human: Human, rng: Random, *, duplicate: bool) -> Writing:
    country = human.country
    how = Writing()
    if country in NATIVE_SCRIPT_COUNTRIES:
        mode = (_SCRIPT_ABROAD if duplicate else _SCRIPT_HOME).pick(rng)
        how.native = mode == "native"
        how.with_native = mode == "both"
        how.honorific = rng.random() < 0.15
    elif country == "VN":
        how.native = rng.random() < (0.4 if duplicate else 0.75)
    gulf = any(e.job.destination in _GULF for e in human.episodes)
    if country == "ID":
        how.patronym = rng.random() < (0.5 if gulf else 0.08) * (2.5 if duplicate else 1)
    if country == "PH":
        how.middle = _MIDDLE.pick(rng)
    how.upper = rng.random() < (0.3 if duplicate else 0.05)
    how.split_last = rng.random() < (0.35 if duplicate else 0.1)
    if rng.random() < 0.03:
        how.nickname = "alias"
    return how


def _reported_at(day: dt.date, as_of: dt.date, rng: Random, tz: dt.tzinfo | None) -> dt.datetime:
    day = min(as_of, day + dt.timedelta(days=rng.randint(0, 30)))
    return dt.datetime(
        day.year, day.month, day.day, rng.randint(0, 12), rng.randint(0, 59), tzinfo=tz
    )


def _birth(human: Human, rng: Random) -> tuple[dt.date | None, str]:
    uncertain = 2.0 if human.country in {"KH", "MM", "LA"} else 1.0
    draw = rng.random()
    year = human.birth.year
    if draw < 0.07 * uncertain:
        return dt.date(year, 1, 1), DatePrecision.YEAR.value
    if draw < 0.11 * uncertain:
        return dt.date(year + rng.choice((-1, 0, 1)), 1, 1), DatePrecision.ESTIMATED.value
    if draw < 0.11 * uncertain + 0.03:
        return dt.date(year, human.birth.month, 1), DatePrecision.MONTH.value
    return human.birth, DatePrecision.DAY.value


class RecordMaker:
    def __init__(
        self,
        *,
        lists: Lists,
        areas: AreaIndex,
        issuer: Issuer,
        as_of: dt.date,
        tz: dt.tzinfo | None,
    ) -> None:
        self.lists = lists
        self.areas = areas
        self.issuer = issuer
        self.as_of = as_of
        self.tz = tz

    def first(self, human: Human, rng: Random) -> Record:
        """The record of the channel that knew the person best."""
        birth, precision = _birth(human, rng)
        latest = human.episodes[-1]
        day = latest.ret.returned_on or latest.started
        return Record(
            pk=0,
            human=human,
            name=write_name(human.name, _writing(human, rng, duplicate=False), self.lists, rng),
            sex=human.sex,
            birth_date=birth,
            precision=precision,
            phone=human.phone,
            area=human.area,
            address=human.address,
            national_id=human.national_id,
            passport=human.passport,
            episodes=list(human.episodes),
            consents=list(human.consents),
            reported_at=_reported_at(day, self.as_of, rng, self.tz),
        )

    def duplicate(self, human: Human, rng: Random) -> Record:
        """The same human being as another channel reported them."""
        how = _writing(human, rng, duplicate=True)
        birth: dt.date | None = human.birth
        precision = DatePrecision.DAY.value
        if rng.random() < 0.15:
            birth, precision = _birth(human, rng)
        sex = human.sex
        national_id = human.national_id if rng.random() < 0.6 else None
        passport = human.passport if rng.random() < 0.8 else None
        phone_number = human.phone
        area = human.area
        address = human.address if rng.random() < 0.7 else ""
        kinds: list[str] = []
        for _ in range(_HOW_MANY.pick(rng)):
            kind = _CORRUPTIONS.pick(rng)
            if kind not in kinds:
                kinds.append(kind)
        for kind in kinds:
            if kind == "typo":
                how.typo = True
            elif kind == "spelling":
                how.spelling = True
                if human.country in NATIVE_SCRIPT_COUNTRIES:
                    how.native, how.with_native = not how.native, False
                elif human.country == "VN":
                    how.native = False
            elif kind == "swapped":
                how.swapped = True
            elif kind == "short_or_long":
                if human.country == "ID" and rng.random() < 0.5:
                    how.patronym = not how.patronym
                elif human.country in {"TH", "LA", "MM"} and len(human.name.given) < 2:
                    how.honorific = not how.honorific
                else:
                    how.short = True
            elif kind == "nickname":
                how.nickname = "primary" if rng.random() < 0.6 else "alias"
            elif kind == "birth_missing":
                birth, precision = None, DatePrecision.DAY.value
            elif kind == "birth_year":
                birth, precision = dt.date(human.birth.year, 1, 1), DatePrecision.YEAR.value
            elif kind == "birth_estimated":
                year = human.birth.year + rng.choice((-2, -1, 1, 1, 2))
                birth, precision = dt.date(year, 1, 1), DatePrecision.ESTIMATED.value
            elif kind == "birth_swap":
                true = human.birth
                if true.day <= 12 and true.day != true.month:
                    birth = dt.date(true.year, true.day, true.month)
                else:
                    birth = true + dt.timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3)))
                precision = DatePrecision.DAY.value
            elif kind == "id_missing":
                national_id, passport = None, None
            elif kind == "id_digit":
                if human.national_id:
                    national_id = mistype_number(
                        IdentifierKind.NATIONAL_ID, human.country, human.national_id, rng
                    )
                elif human.passport:
                    passport = mistype_number(
                        IdentifierKind.PASSPORT, human.country, human.passport, rng
                    )
            elif kind == "passport_renewed":
                passport = self.issuer.passport(human.country, rng)
            elif kind == "phone_changed":
                abroad = human.episodes[-1].job.destination
                phone_number = phone(abroad if rng.random() < 0.5 else human.country, rng)
            elif kind == "phone_missing":
                phone_number = ""
            elif kind == "area_missing":
                area = None
            elif kind == "area_coarse" and area is not None:
                area = self.areas.provinces.get((human.country, human.origin.province))
            elif kind == "sex_wrong":
                sex = "M" if human.sex == "F" else "F"
        # Another channel knew one stay abroad, with its own small differences.
        source = human.episodes[-1] if rng.random() < 0.7 else rng.choice(human.episodes)
        episode = replace(source, ret=replace(source.ret))
        if rng.random() < 0.3 and episode.ended is not None:
            shift = dt.timedelta(days=rng.randint(-10, 10))
            episode.ended = max(episode.started, episode.ended + shift)
            if episode.ret.returned_on is not None:
                episode.ret.returned_on = max(episode.started, episode.ret.returned_on + shift)
        if rng.random() < 0.3:
            episode.city = ""
        if rng.random() < 0.5:
            episode.cost, episode.currency, episode.financing = None, None, []
        day = episode.ret.returned_on or episode.started
        return Record(
            pk=0,
            human=human,
            name=write_name(human.name, how, self.lists, rng),
            sex=sex,
            birth_date=birth,
            precision=precision,
            phone=phone_number,
            area=area,
            address=address,
            national_id=national_id,
            passport=passport,
            episodes=[episode],
            consents=[c for c in human.consents[:1] if rng.random() < 0.1],
            reported_at=_reported_at(day, self.as_of, rng, self.tz),
        )


@functools.lru_cache(maxsize=4096)
def _json(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))


@functools.lru_cache(maxsize=65536)
def _keys(written: str) -> tuple[str, str, str, str]:
    keys = name_keys(written)
    return keys.folded[:200], keys.sorted_tokens[:200], keys.phonetic[:200], keys.script[:4]


PERSON_COLUMNS = (
    "id", "full_name", "given_name", "family_name", "sex", "birth_date",
    "birth_date_precision", "nationality_id", "phone", "email", "home_area_id", "address",
    "has_disability", "household_size", "dependants", "languages", "education_level",
    "abroad_in_id", "is_restricted", "created_at", "updated_at", "version", "erased_at",
)  # fmt: skip
NAME_COLUMNS = (
    "person_id", "kind", "written", "folded", "sorted_tokens", "phonetic", "script", "birth_year",
)  # fmt: skip
IDENTIFIER_COLUMNS = (
    "person_id", "kind", "number", "issuing_country_id", "valid_until", "is_current",
    "verified", "created_at",
)  # fmt: skip
EPISODE_COLUMNS = (
    "id", "person_id", "destination_country_id", "destination_city", "employer_name", "sector",
    "occupation_id", "job_title", "visa_type", "started_on", "ended_on",
    "recruitment_agency_id", "agency_name", "legal_status", "migration_cost",
    "migration_cost_currency_id", "cost_financing", "abuse_indicators", "created_at",
)  # fmt: skip
RETURN_COLUMNS = (
    "person_id", "episode_id", "status", "returned_on", "expected_on", "port_of_entry",
    "reason", "mode", "readiness", "intention", "destination_area_id", "support_received",
    "channel", "reported_by_id", "created_at",
)  # fmt: skip
CONSENT_COLUMNS = (
    "person_id", "purpose", "method", "given_at", "recorded_by_id",
    "recorded_by_organisation_id", "withdrawn_at", "withdrawn_by_id", "note",
)  # fmt: skip
EXPORT_HEADER = (
    "record_id", "given_name", "family_name", "full_name", "sex", "birth_date", "id_number",
    "phone", "address", "area_code",
)  # fmt: skip
TRUTH_HEADER = ("record_id", "cluster_id")

Row = tuple[object, ...]


@dataclass
class Rows:
    """One batch, ready for the database and the side files."""

    humans: int = 0
    persons: list[Row] | None = None
    names: list[Row] | None = None
    identifiers: list[Row] | None = None
    episodes: list[Row] | None = None
    returns: list[Row] | None = None
    consents: list[Row] | None = None
    truth: list[tuple[int, int]] | None = None
    export: list[tuple[str, ...]] | None = None
    duplicates: int = 0

    def tables(self) -> list[tuple[str, tuple[str, ...], list[Row]]]:
        return [
            ("person", PERSON_COLUMNS, self.persons or []),
            ("personname", NAME_COLUMNS, self.names or []),
            ("identifier", IDENTIFIER_COLUMNS, self.identifiers or []),
            ("migrationepisode", EPISODE_COLUMNS, self.episodes or []),
            ("return", RETURN_COLUMNS, self.returns or []),
            ("consent", CONSENT_COLUMNS, self.consents or []),
        ]


def to_rows(records: list[Record], next_episode: int, humans: int, duplicates: int) -> Rows:
    """Table rows for records whose ``pk`` is set; episodes are numbered from
    ``next_episode``. JSON fields are written as JSON text."""
    persons: list[Row] = []
    names: list[Row] = []
    identifiers: list[Row] = []
    episodes: list[Row] = []
    returns: list[Row] = []
    consents: list[Row] = []
    truth: list[tuple[int, int]] = []
    export: list[tuple[str, ...]] = []
    episode_pk = next_episode
    for record in records:
        human = record.human
        pk = record.pk
        at = record.reported_at
        area = record.area
        abroad = record.episodes[-1].job.destination if record.episodes[-1].ended is None else None
        persons.append(
            (
                pk, record.name.full, record.name.given, record.name.family, record.sex,
                record.birth_date, record.precision, human.country, record.phone, "",
                area.pk if area is not None else None, record.address, human.has_disability,
                human.household, human.dependants, _json(tuple(human.languages)),
                human.education, abroad, human.is_restricted, at, at, 1, None,
            )
        )  # fmt: skip
        written = [("primary", record.name.full)]
        if record.name.native:
            written.append(("native_script", record.name.native))
        if record.name.alias and record.name.alias != record.name.full:
            written.append(("alias", record.name.alias))
        for kind, text in written:
            folded, sorted_tokens, phonetic, script = _keys(text)
            year = record.birth_date.year if record.birth_date else None
            names.append((pk, kind, text, folded, sorted_tokens, phonetic, script, year))
        first_start = human.episodes[0].started
        if record.national_id:
            identifiers.append(
                (pk, IdentifierKind.NATIONAL_ID.value, record.national_id, human.country,
                 None, True, True, at)
            )  # fmt: skip
        if record.passport:
            years = 10 if human.country in {"PH", "TH"} else 5
            issued = first_start - dt.timedelta(days=30 + pk % 300)
            valid = dt.date(issued.year + years, issued.month, min(issued.day, 28))
            identifiers.append(
                (pk, IdentifierKind.PASSPORT.value, record.passport, human.country, valid,
                 True, pk % 5 < 3, at)
            )  # fmt: skip
        for episode in record.episodes:
            job = episode.job
            episodes.append(
                (
                    episode_pk, pk, job.destination, episode.city, episode.employer,
                    job.sector, job.isco, job.title, episode.visa, episode.started,
                    episode.ended, None, episode.agency, episode.legal_status, episode.cost,
                    episode.currency, _json(tuple(episode.financing)), _json(tuple(episode.abuse)),
                    at,
                )
            )  # fmt: skip
            ret = episode.ret
            returns.append(
                (
                    pk, episode_pk, ret.status, ret.returned_on, ret.expected_on, ret.port,
                    ret.reason, ret.mode, ret.readiness, ret.intention,
                    area.pk if area is not None and ret.status == ReturnStatus.ARRIVED else None,
                    ret.support, Channel.IMPORT.value, None, at,
                )
            )  # fmt: skip
            episode_pk += 1
        for consent in record.consents:
            given = consent.given_at.replace(tzinfo=at.tzinfo)
            withdrawn = consent.withdrawn_at
            if withdrawn is not None:
                withdrawn = withdrawn.replace(tzinfo=at.tzinfo)
            consents.append(
                (pk, consent.purpose, consent.method, given, None, None, withdrawn, None, "")
            )
        truth.append((pk, human.number))
        export.append(
            (
                str(pk), record.name.given, record.name.family, record.name.full, record.sex,
                record.birth_date.isoformat() if record.birth_date else "",
                record.national_id or record.passport or "", record.phone, record.address,
                area.code if area is not None else "",
            )
        )  # fmt: skip
    return Rows(
        humans=humans,
        persons=persons,
        names=names,
        identifiers=identifiers,
        episodes=episodes,
        returns=returns,
        consents=consents,
        truth=truth,
        export=export,
        duplicates=duplicates,
    )
