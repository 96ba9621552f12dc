"""Finding people: by name (fuzzy, transliteration-aware), ID number, birth date, phone
and area. Used by the search page and API (scoped to the actor) and by the duplicate check
at registration.

Two steps. (1) Candidates: exact blocks (ID number, phone, birth date) and the name index
(PostgreSQL pg_trgm; SQLite FTS5 trigram; :func:`_name_candidates` is the one place the
databases differ). (2) Scoring in Python with the name keys of every candidate name, so
that both databases rank alike and every result says why it matched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class PersonQuery:
    name: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = None
    id_number: str = ""
    phone: str = ""
    phone_region: str = "ID"
    limit: int = 10

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
        candidate_ids |= _name_candidates(keys, persons, query)
    elif query.birth_date is not None and not candidate_ids:
        candidate_ids = set(
            persons.filter(birth_date=query.birth_date).values_list("pk", flat=True)[
                :NAME_CANDIDATES
            ]
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


def _name_candidates(keys: NameKeys, persons: QuerySet[Person], query: PersonQuery) -> set[int]:
    """Ids of persons with a name near ``keys``: the index differs per database."""
    names = PersonName.objects.filter(person__in=persons)
    blocked = _blocked(names, query)
    if blocked is not None:
        # A birth-date block is small (tens of people): score them all, no index needed.
        return set(blocked.values_list("person_id", flat=True)[: NAME_CANDIDATES * 5])
    found = set(
        names.filter(phonetic=keys.phonetic).values_list("person_id", flat=True)[:NAME_CANDIDATES]
    )
    if connection.vendor == "postgresql":
        found |= _trigram_candidates_postgresql(keys, names)
    elif connection.vendor == "sqlite":
        found |= _trigram_candidates_sqlite(keys, names)
    return found


def _blocked(names: QuerySet[PersonName], query: PersonQuery) -> QuerySet[PersonName] | None:
    if query.birth_date is not None:
        return names.filter(person__birth_date=query.birth_date)
    return None


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


def _trigram_candidates_sqlite(keys: NameKeys, names: QuerySet[PersonName]) -> set[int]:
    expression = _fts_query(keys.sorted_tokens)
    if not expression:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM registry_personname_fts WHERE registry_personname_fts MATCH %s "
            "ORDER BY bm25(registry_personname_fts) LIMIT %s",
            [expression, NAME_CANDIDATES * 4],
        )
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
    if born is not None and query.birth_date is not None:
        if born == query.birth_date:
            score += 0.3
            reasons.append(_("same date of birth"))
        elif abs(born.year - query.birth_date.year) > 2:
            score -= 0.3
    if born is not None and query.birth_year is not None:
        if abs(born.year - query.birth_year) <= 1:
            score += 0.1
            reasons.append(_("born around %(year)d") % {"year": query.birth_year})
        else:
            score -= 0.3
    if not (id_matched or phone_matched) and keys is not None and name_score < NAME_FLOOR:
        return None
    return Match(
        person=person,
        score=round(score, 4),
        name_score=name_score,
        matched_name=matched_name,
        reasons=reasons,
    )
