"""Finding people: by name (fuzzy, transliteration-aware), ID number, birth date, phone
and area. Used by the search page and API (scoped to the actor) and by the duplicate check
at registration.

Two steps. (1) Candidates: exact blocks (ID number, phone, birth date) and the name index
(PostgreSQL pg_trgm; SQLite FTS5 trigram; :func:`_name_candidates` is the one place the
databases differ). (2) Scoring in Python with the name keys of every candidate name, so
that both databases rank alike and every result says why it matched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pulang.registry.identifiers import normalise_number
from pulang.registry.models import Identifier, Person, PersonName
from pulang.registry.names import NameKeys, name_keys, name_similarity

# How many name-index hits are rescored; more costs time, fewer loses recall.
NAME_CANDIDATES = 200
# Below this name similarity a candidate found only by name is not shown.
NAME_FLOOR = 0.55
# A birth-date block with a name at least this close needs no name-index search.
BLOCK_GOOD_ENOUGH = 0.8
# Estimated ages are often a year or two off.
YEAR_WINDOW = 2


@dataclass(frozen=True)
class PersonQuery:
    name: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = None
    id_number: str = ""
    phone: str = ""
    phone_region: str = "ID"
    # Where the person lives, as an AdminArea path ("ID/ID-JI/35.07/"): closer is likelier.
    area_path: str = ""
    limit: int = 10
    # "Who else is this person?": leave this record out (duplicate checks, evaluation).
    exclude_person: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            self.name.strip() or self.birth_date or self.birth_year or self.id_number or self.phone
        )


@dataclass
class Match:
    person: Person
    score: float
    name_score: float
    matched_name: str
    reasons: list[str] = field(default_factory=list)


def normalise_phone(raw: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def stored_keys(name: PersonName) -> NameKeys:
    return NameKeys(
        folded=name.folded,
        sorted_tokens=name.sorted_tokens,
        phonetic=name.phonetic,
        tokens=tuple(name.folded.split()),
        script=name.script,
    )


def find_people(*, query: PersonQuery, within: Q) -> list[Match]:
    """The best matches among the persons that ``within`` (a Person filter) admits."""
    if query.is_empty:
        return []
    persons = Person.objects.filter(within)
    if query.exclude_person is not None:
        persons = persons.exclude(pk=query.exclude_person)
    by_id: set[int] = set()
    by_phone: set[int] = set()
    if query.id_number.strip():
        by_id = set(
            Identifier.objects.filter(
                number=normalise_number(query.id_number), person__in=persons
            ).values_list("person_id", flat=True)
        )
    phone = normalise_phone(query.phone, query.phone_region) if query.phone.strip() else ""
    if phone:
        by_phone = set(persons.filter(phone=phone).values_list("pk", flat=True))

    keys = name_keys(query.name) if query.name.strip() else None
    candidate_ids = by_id | by_phone
    if keys is not None and keys.folded:
        candidate_ids |= _name_candidates(keys, query)
    elif query.birth_date is not None and not candidate_ids:
        candidate_ids = set(
            persons.filter(birth_date__in=_block_dates(query.birth_date)).values_list(
                "pk", flat=True
            )[:NAME_CANDIDATES]
        )
    if not candidate_ids:
        return []

    names: dict[int, list[PersonName]] = {}
    for name in PersonName.objects.filter(person_id__in=candidate_ids):
        names.setdefault(name.person_id, []).append(name)
    matches = []
    for person in persons.filter(pk__in=candidate_ids).select_related("home_area"):
        match = _score(
            person, names.get(person.pk, []), keys, query, person.pk in by_id, person.pk in by_phone
        )
        if match is not None:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.person.pk))
    return matches[: query.limit]


def _shared_levels(path_a: str, path_b: str) -> int:
    """How many levels below the country two area paths share (0: none; 4: the village)."""
    shared = 0
    for a, b in zip(
        path_a.strip("/").split("/")[1:], path_b.strip("/").split("/")[1:], strict=False
    ):
        if a != b:
            break
        shared += 1
    return shared


def _block_dates(day: dt.date) -> list[dt.date]:
    """The date and, where it exists, its day/month swap (a common entry error)."""
    dates = [day]
    if day.day <= 12 and day.day != day.month:
        with contextlib.suppress(ValueError):
            dates.append(day.replace(month=day.day, day=day.month))
    return dates


def _name_candidates(keys: NameKeys, query: PersonQuery) -> set[int]:
    """Ids of persons with a name near ``keys``: the index differs per database.

    Not scoped here: the caller applies the actor's scope once, to this short list, by
    primary key. Scoping every index hit instead made SQLite evaluate the scope for each
    name row (seconds at a million people).
    """
    names = PersonName.objects.all()
    if query.exclude_person is not None:
        names = names.exclude(person_id=query.exclude_person)
    if query.birth_date is not None:
        # A birth-date block is small (tens of people at a million): score it first, and
        # use the name index only when nobody in it has a name close enough.
        block = list(
            names.filter(person__birth_date__in=_block_dates(query.birth_date)).only(
                "person_id", "folded", "sorted_tokens", "phonetic", "script"
            )[: NAME_CANDIDATES * 5]
        )
        if any(name_similarity(keys, stored_keys(n)) >= BLOCK_GOOD_ENOUGH for n in block):
            return {n.person_id for n in block}
        found_in_block = {n.person_id for n in block}
    else:
        found_in_block = set()
    years = _year_window(query)
    if years is not None:
        # Born around the given year (or date unknown): the window is applied before the
        # candidate cut, so that among a million similar names the right ones survive.
        names = names.filter(
            Q(person__birth_date__isnull=True)
            | Q(person__birth_date__year__gte=years[0], person__birth_date__year__lte=years[1])
        )
    found = found_in_block | set(
        names.filter(phonetic=keys.phonetic).values_list("person_id", flat=True)[:NAME_CANDIDATES]
    )
    if connection.vendor == "postgresql":
        found |= _trigram_candidates_postgresql(keys, names)
    elif connection.vendor == "sqlite":
        found |= _trigram_candidates_sqlite(keys, names, years)
    return found


def _year_window(query: PersonQuery) -> tuple[int, int] | None:
    year = query.birth_date.year if query.birth_date else query.birth_year
    if year is None:
        return None
    return year - YEAR_WINDOW, year + YEAR_WINDOW


def _trigram_candidates_postgresql(keys: NameKeys, names: QuerySet[PersonName]) -> set[int]:
    from django.contrib.postgres.search import TrigramSimilarity

    hits = (
        names.filter(
            Q(folded__trigram_similar=keys.folded)
            | Q(sorted_tokens__trigram_similar=keys.sorted_tokens)
        )
        .annotate(similarity=TrigramSimilarity("sorted_tokens", keys.sorted_tokens))
        .order_by("-similarity")
        .values_list("person_id", flat=True)[:NAME_CANDIDATES]
    )
    return set(hits)


def _fts_query(text: str) -> str:
    # Any of the name's trigrams, each quoted (FTS5 syntax), rarest first is left to bm25.
    grams = {text[i : i + 3] for i in range(len(text) - 2)}
    grams = {g for g in grams if '"' not in g}
    return " OR ".join(f'"{g}"' for g in sorted(grams))


def _trigram_candidates_sqlite(
    keys: NameKeys, names: QuerySet[PersonName], years: tuple[int, int] | None
) -> set[int]:
    expression = _fts_query(keys.sorted_tokens)
    if not expression:
        return set()
    sql = (
        "SELECT f.rowid FROM registry_personname_fts f "
        "JOIN registry_personname n ON n.id = f.rowid "
        "JOIN registry_person p ON p.id = n.person_id "
        "WHERE registry_personname_fts MATCH %s"
    )
    params: list[Any] = [expression]
    if years is not None:
        sql += " AND (p.birth_date IS NULL OR p.birth_date BETWEEN %s AND %s)"
        params += [dt.date(years[0], 1, 1), dt.date(years[1], 12, 31)]
    sql += " ORDER BY bm25(registry_personname_fts) LIMIT %s"
    params.append(NAME_CANDIDATES * 4)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        name_ids = [row[0] for row in cursor.fetchall()]
    return set(names.filter(pk__in=name_ids).values_list("person_id", flat=True))


def _score(
    person: Person,
    names: list[PersonName],
    keys: NameKeys | None,
    query: PersonQuery,
    id_matched: bool,
    phone_matched: bool,
) -> Match | None:
    reasons: list[str] = []
    score = 0.0
    name_score = 0.0
    matched_name = person.full_name
    if keys is not None and keys.folded:
        for name in names:
            similarity = name_similarity(keys, stored_keys(name))
            if similarity > name_score:
                name_score, matched_name = similarity, name.written
        score += name_score
        if name_score >= 0.999:
            reasons.append(_("same name"))
        elif name_score >= NAME_FLOOR:
            reasons.append(_("similar name (%(percent)d%%)") % {"percent": round(name_score * 100)})
    if id_matched:
        score += 1.0
        reasons.insert(0, _("same ID number"))
    if phone_matched:
        score += 0.5
        reasons.append(_("same phone number"))
    born = person.birth_date
    wanted_year = query.birth_date.year if query.birth_date else query.birth_year
    if born is not None and query.birth_date is not None and born in _block_dates(query.birth_date):
        # A shared exact date is about 365 times rarer than a shared year.
        score += 0.5
        reasons.append(_("same date of birth"))
    elif born is not None and wanted_year is not None:
        gap = abs(born.year - wanted_year)
        if gap == 0:
            score += 0.1
            reasons.append(_("born the same year"))
        elif gap == 1:
            score += 0.05
            reasons.append(_("born around %(year)d") % {"year": wanted_year})
        elif gap > 2:
            score -= 0.3
    if query.area_path and person.home_area is not None:
        shared = _shared_levels(query.area_path, person.home_area.path)
        if shared >= 4:
            score += 0.2
            reasons.append(_("same village"))
        elif shared == 3:
            score += 0.15
            reasons.append(_("same sub-district"))
        elif shared == 2:
            score += 0.1
            reasons.append(_("same district"))
    if not (id_matched or phone_matched) and keys is not None and name_score < NAME_FLOOR:
        return None
    return Match(
        person=person,
        score=round(score, 4),
        name_score=name_score,
        matched_name=matched_name,
        reasons=reasons,
    )
