"""Finding people: by name (fuzzy, transliteration-aware), ID number, birth date, phone
and area. Used by the search page and API (scoped to the actor) and by the duplicate check
at registration.

Three steps. (1) Candidates: exact blocks (ID number, phone, birth date) and the name
indexes, each a bounded query that returns the name keys, birth date and home-area path of
its rows, so nothing is fetched twice. The name indexes are: the per-token phonetic codes
(PostgreSQL GIN on the code array; SQLite FTS5 over the codes), which find the same name
however it is spelt, ordered or shortened, narrowed to the birth-year window when the
query has a year; and, only when those find nobody close, the trigram index (PostgreSQL
pg_trgm; SQLite FTS5 trigram) for typos. :func:`_token_predicate` and
:func:`_trigram_rows` are the only places the databases differ. (2) Scoring in Python
with the name keys, so both databases rank alike and every result says why it matched.
(3) The actor's scope, applied to the best-scored ids only, then the persons are loaded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from pulang.registry.identifiers import normalise_number
from pulang.registry.models import Identifier, Person, PersonName
from pulang.registry.names import (
    COMMON_TOKENS,
    NameKeys,
    name_keys,
    name_similarity,
    phonetic_token,
)

# Rows each name-index query may return; more costs time, fewer loses recall.
TOKEN_ROWS = 200
TRIGRAM_ROWS = 200
# Below this name similarity a candidate found only by name is not shown; born on the
# same day, a weaker name still is (a father's name on one record, "Siti" on the other).
NAME_FLOOR = 0.55
NAME_FLOOR_SAME_DAY = 0.45
# When the token index finds a name at least this close, the trigram index is not asked.
GOOD_ENOUGH = 0.8
# PostgreSQL: the trigram similarity (trigrams shared over trigrams in either name) a name
# needs for the typo fallback to read it, unless the query asks for another
# (``PersonQuery.typo_threshold``). pg_trgm's own default: a part of a name with a typo
# ("Sitti Amimah" for "Siti Aminah binti Sukarno", 0.33) is still found.
TRIGRAM_THRESHOLD = 0.3
# Estimated ages are often a year or two off.
YEAR_WINDOW = 2
# Segments of an area path down to the district: country/province/district.
DISTRICT_DEPTH = 3
# Names read from the query's sub-district, at most.
LOCAL_ROWS = 1000
# PostgreSQL: memory each search query may give a bitmap or a sort (``index_scans``), per
# query of each search running at once.
SEARCH_WORK_MEM = "32MB"


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
    # PostgreSQL: the trigram similarity the typo fallback asks for (TRIGRAM_THRESHOLD
    # when None). The duplicate check at the door asks for more (registration.py).
    typo_threshold: float | None = None

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


@dataclass
class _Candidate:
    """What scoring needs of one person, gathered from the candidate rows: the best of
    its names (each compared with the query once, as it arrives), birth date and area."""

    person_id: int
    birth_date: dt.date | None
    area_path: str
    written: set[str] = field(default_factory=set)
    matched_name: str = ""
    name_score: float = 0.0
    by_id: bool = False
    by_phone: bool = False
    score: float = 0.0
    why: list[tuple[str, int]] = field(default_factory=list)


def normalise_phone(raw: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def stored_keys(name: PersonName) -> NameKeys:
    return _keys(name.folded, name.sorted_tokens, name.phonetic, name.script)


def _keys(folded: str, sorted_tokens: str, phonetic: str, script: str) -> NameKeys:
    return NameKeys(
        folded=folded,
        sorted_tokens=sorted_tokens,
        phonetic=phonetic,
        tokens=tuple(folded.split()),
        script=script,
    )


def find_people(*, query: PersonQuery, within: Q) -> list[Match]:
    """The best matches among the persons that ``within`` (a Person filter) admits."""
    if query.is_empty:
        return []
    keys = name_keys(query.name) if query.name.strip() else None
    if keys is not None and not keys.folded:
        keys = None
    candidates: dict[int, _Candidate] = {}
    with index_scans():
        _gather(candidates, keys, query)
    scored = [c for c in candidates.values() if _score(c, keys is not None, query)]
    scored.sort(key=lambda c: (-c.score, c.person_id))
    return _in_scope(scored, within, query)


@contextlib.contextmanager
def index_scans() -> Iterator[None]:
    """PostgreSQL: the queries inside read their tables through their indexes' bitmaps
    only, without parallel workers or JIT compilation. Each reads a few hundred rows at
    most, under a small LIMIT; when the statistics misjudge how many rows a name code or
    trigram finds (a million distinct codes, a thousand in the statistics), PostgreSQL
    would rather walk the table, or another index in full, hoping to meet the LIMIT
    early, and reads all of it (0.3 to 5 s at a million people) when the rows are few or
    none. A bitmap is the only way left: the name indexes (GIN) have no other, and a
    primary-key lookup through a bitmap costs what it costs through the index. Compiling
    a query that runs in milliseconds costs ~90 ms. A bitmap larger than ``work_mem``
    turns lossy, and every row of its pages is then checked again: the typo fallback for a
    name of common trigrams at 5 million people rechecked 2.3 million names in 5.8 s with
    PostgreSQL's default 4 MB, 81,000 in 1.1 s with ``SEARCH_WORK_MEM``. In a transaction
    (a savepoint inside another), with the settings restored as they were."""
    if connection.vendor != "postgresql":
        yield
        return
    settings = {
        "enable_seqscan": "off",
        "enable_indexscan": "off",
        "enable_indexonlyscan": "off",
        "max_parallel_workers_per_gather": "0",
        "jit": "off",
        "work_mem": SEARCH_WORK_MEM,
    }
    with transaction.atomic(), _local_settings(settings):
        yield


@contextlib.contextmanager
def _local_settings(settings: dict[str, str]) -> Iterator[None]:
    """PostgreSQL, inside a transaction: ``settings`` for the block, then what they were.
    Restored only when the block succeeds: a failure rolls them back with its transaction
    or savepoint. A setting an extension has not defined yet reads as NULL, and is reset."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["current_setting(%s, true)"] * len(settings)), list(settings)
        )
        before = dict(zip(settings, cursor.fetchone(), strict=True))
        _set_local(cursor, settings)
        yield
        _set_local(cursor, before)


def _set_local(cursor: Any, settings: Mapping[str, str | None]) -> None:
    """This transaction's settings, in one statement."""
    cursor.execute(
        "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)),
        [part for pair in settings.items() for part in pair],
    )


def _gather(candidates: dict[int, _Candidate], keys: NameKeys | None, query: PersonQuery) -> None:
    exact_ids: set[int] = set()
    if query.id_number.strip():
        ids = Identifier.objects.filter(number=normalise_number(query.id_number))
        exact_ids = set(ids.values_list("person_id", flat=True)[:TOKEN_ROWS])
    phone = normalise_phone(query.phone, query.phone_region) if query.phone.strip() else ""
    phone_ids = (
        set(Person.objects.filter(phone=phone).values_list("pk", flat=True)[:TOKEN_ROWS])
        if phone
        else set()
    )
    collect = functools.partial(_collect, candidates, keys)
    collect(_rows_of_persons(exact_ids | phone_ids, query))
    for person_id in exact_ids:
        if person_id in candidates:
            candidates[person_id].by_id = True
    for person_id in phone_ids:
        if person_id in candidates:
            candidates[person_id].by_phone = True

    if query.birth_date is not None:
        collect(_rows_born_on(_block_dates(query.birth_date), query))
    if keys is not None:
        collect(_token_rows(keys, query))
        # Namesakes near the query's home, however common the name is elsewhere.
        if query.area_path:
            collect(_local_rows(keys, query))
        if max((c.name_score for c in candidates.values()), default=0.0) < GOOD_ENOUGH:
            collect(_trigram_rows(keys, query))


# --- Candidate rows ---------------------------------------------------------------------

# One row per name: who, the name's keys, and what scoring needs of the person.
_SELECT = (
    "SELECT n.person_id, n.written, n.folded, n.sorted_tokens, n.phonetic, n.script, "
    "p.birth_date, a.path FROM registry_personname n "
    "JOIN registry_person p ON p.id = n.person_id "
    "LEFT JOIN geo_adminarea a ON a.id = p.home_area_id "
    # A record merged into another is found as the survivor, never by itself.
    "WHERE p.merged_into_id IS NULL AND "
)
_Row = tuple[int, str, str, str, str, str, Any, str | None]


def _fetch(
    where: str,
    params: Sequence[Any],
    query: PersonQuery,
    limit: int,
    order_by: tuple[str, Sequence[Any]] = ("", ()),
) -> list[_Row]:
    sql = f"{_SELECT}({where})"
    args = list(params)
    if query.exclude_person is not None:
        sql += " AND n.person_id <> %s"
        args.append(query.exclude_person)
    if order_by[0]:
        sql += f" ORDER BY {order_by[0]}"
        args += order_by[1]
    sql += " LIMIT %s"
    args.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def _rows_of_persons(person_ids: set[int], query: PersonQuery) -> list[_Row]:
    if not person_ids:
        return []
    marks = ", ".join(["%s"] * len(person_ids))
    return _fetch(f"n.person_id IN ({marks})", sorted(person_ids), query, TOKEN_ROWS * 4)


def _rows_born_on(dates: list[dt.date], query: PersonQuery) -> list[_Row]:
    """Everyone born on the date (or its day/month swap): tens of people at a million."""
    marks = ", ".join(["%s"] * len(dates))
    return _fetch(f"p.birth_date IN ({marks})", dates, query, TOKEN_ROWS * 4)


def _local_rows(keys: NameKeys, query: PersonQuery) -> list[_Row]:
    """Names of the people living in the query's sub-district (its district, when the
    query's area is no finer) born in its year window, when it has a year, that share a
    phonetic code with it — or any name, for a one-word query, whose one word may be
    mistyped. A sub-district holds a few thousand people: this finds the local namesakes
    however common the name is nationally."""
    segments = query.area_path.strip("/").split("/")
    if len(segments) < DISTRICT_DEPTH:
        return []
    local = "/".join(segments[: DISTRICT_DEPTH + 1]) + "/"
    where = "p.home_area_id IN (SELECT d.id FROM geo_adminarea d WHERE d.path LIKE %s ESCAPE '!')"
    params: list[Any] = [_like_escape(local) + "%"]
    year_sql, year_params = _year_clause(query)
    where += year_sql
    params += year_params
    codes = sorted(set(keys.phonetic.split()))
    if len(keys.tokens) > 1 and codes:
        where += (
            " AND ("
            + " OR ".join(["(' ' || n.phonetic || ' ') LIKE %s ESCAPE '!'"] * len(codes))
            + ")"
        )
        params += [f"% {_like_escape(code)} %" for code in codes]
    return _fetch(where, params, query, LOCAL_ROWS)


def _like_escape(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _years(query: PersonQuery) -> list[int]:
    """The birth years around the query's (empty when it has none)."""
    year = query.birth_date.year if query.birth_date else query.birth_year
    if year is None:
        return []
    return list(range(year - YEAR_WINDOW, year + YEAR_WINDOW + 1))


def _year_clause(query: PersonQuery) -> tuple[str, list[Any]]:
    """Names recorded with a birth year in the window around the query's, or with none."""
    years = _years(query)
    if not years:
        return "", []
    return " AND (n.birth_year IS NULL OR n.birth_year BETWEEN %s AND %s)", [years[0], years[-1]]


@functools.cache
def _common_codes() -> frozenset[str]:
    return frozenset(phonetic_token(token) for token in COMMON_TOKENS)


def _token_rows(keys: NameKeys, query: PersonQuery) -> list[_Row]:
    """Names sharing the query's phonetic codes: all of them (the same name, spelt or
    ordered otherwise, or with more elements: "binti Rusdi"), then each of its rarer codes
    (fewer elements: "Aminah" for "Siti Aminah", or one element mistyped); recorded with a
    birth year near the query's (or none) when the query has a year."""
    # A double quote would end an FTS5 phrase: such a code (none is made today) is skipped.
    codes = sorted(c for c in set(keys.phonetic.split()) if '"' not in c)
    if not codes:
        return []
    rare = [c for c in codes if c not in _common_codes()]
    rows = []
    if rare or len(codes) > 1:
        rows += _by_codes(codes, query, TOKEN_ROWS)
        if len(rows) >= TOKEN_ROWS:
            # So common a name that its namesakes fill the budget: names sharing only a
            # part of it would rank below them (the date block and the neighbours
            # already bring those born that day or living nearby).
            return rows
    if not rare:
        # Only common elements ("Siti", "Nguyen Van"): the exact key is the block.
        year_sql, year_params = _year_clause(query)
        rows += _fetch(
            "n.phonetic = %s" + year_sql, [keys.phonetic, *year_params], query, TOKEN_ROWS
        )
    elif len(codes) > 1:
        # One query per rare code, each with its own share of rows, so that a frequent
        # one (a father's name: "Abdullah") cannot crowd out a rarer one.
        share = max(TOKEN_ROWS // len(rare), TOKEN_ROWS // 4)
        for code in rare:
            rows += _by_codes([code], query, share)
    return rows


def _by_codes(codes: list[str], query: PersonQuery, budget: int) -> list[_Row]:
    """Up to ``budget`` names having every one of ``codes``. With a year, the nearest
    years come first — the same year, then one off, then two, then names recorded without
    a year — so that a common name ("Siti Aminah": hundreds a year at a million people)
    keeps the likeliest within the budget."""
    window = _years(query)
    if not window:
        return _fetch(*_codes_predicate(codes, None), query, budget)
    rows = _fetch(*_codes_predicate(codes, window, unknown=True), query, budget)
    if len(rows) < budget:
        return rows  # all of them: the usual case, in one query
    year = window[YEAR_WINDOW]
    rows = []
    groups: list[list[int]] = [
        [year],
        *([year - gap, year + gap] for gap in range(1, YEAR_WINDOW + 1)),
        [],
    ]
    for group in groups:
        predicate = _codes_predicate(codes, group, unknown=not group)
        rows += _fetch(*predicate, query, budget - len(rows))
        if len(rows) >= budget:
            break
    return rows


# The expression the PostgreSQL index of migration 0007 is built on, written the same way:
# each code, and each code with the name's birth year ("tasan:1990"; "tasan:?" unknown).
_PG_YEAR = "coalesce(n.birth_year::text, '?')"
_PG_CODES = (
    "(string_to_array(n.phonetic, ' ') || string_to_array(replace(nullif(n.phonetic, ''), ' ', "
    f"':' || {_PG_YEAR} || ' ') || ':' || {_PG_YEAR}, ' '))"
)


def _codes_predicate(
    codes: list[str], years: list[int] | None, *, unknown: bool = False
) -> tuple[str, list[Any]]:
    """Names having every one of ``codes``; unless ``years`` is None, recorded with one of
    ``years`` (or, with ``unknown``, without a year)."""
    if connection.vendor == "postgresql":
        if years is None:
            return f"{_PG_CODES} @> %s::text[]", [codes]
        # One index scan: the other codes, and one code (the longest: likely the rarest)
        # with any one of the years; each "code:year" entry lists only those names.
        anchor = max(codes, key=lambda code: (len(code), code))
        marks = [f"{anchor}:{year}" for year in years] + ([f"{anchor}:?"] if unknown else [])
        others = [code for code in codes if code != anchor]
        if not others:
            return f"{_PG_CODES} && %s::text[]", [marks]
        return f"{_PG_CODES} @> %s::text[] AND {_PG_CODES} && %s::text[]", [others, marks]
    expression = "phonetic : (" + " AND ".join(f'"{c}"' for c in codes) + ")"
    if years is not None:
        written = [f'"{year}"' for year in years] + (['"unknown"'] if unknown else [])
        expression += " AND birth_year : (" + " OR ".join(written) + ")"
    return (
        "n.id IN (SELECT rowid FROM registry_personname_codes "
        "WHERE registry_personname_codes MATCH %s)",
        [expression],
    )


def _trigram_rows(keys: NameKeys, query: PersonQuery) -> list[_Row]:
    """Names with many trigrams in common: typos the phonetic codes do not absorb."""
    year_sql, year_params = _year_clause(query)
    if connection.vendor == "postgresql":
        # The operator and its index read the threshold from the session: set for this
        # query (inside ``index_scans``' transaction), then as it was.
        threshold = str(query.typo_threshold or TRIGRAM_THRESHOLD)
        with _local_settings({"pg_trgm.similarity_threshold": threshold}):
            return _fetch(
                # Trigrams are taken word by word: the sorted name has the folded name's.
                "n.sorted_tokens %% %s" + year_sql,
                [keys.sorted_tokens, *year_params],
                query,
                TRIGRAM_ROWS,
                order_by=("similarity(n.sorted_tokens, %s) DESC", [keys.sorted_tokens]),
            )
    expression = _fts_query(keys.sorted_tokens)
    if not expression:
        return []
    return _fetch(
        "n.id IN (SELECT rowid FROM registry_personname_fts WHERE registry_personname_fts "  # noqa: S608
        "MATCH %s ORDER BY bm25(registry_personname_fts) LIMIT %s)" + year_sql,
        [expression, TRIGRAM_ROWS * 4, *year_params],
        query,
        TRIGRAM_ROWS,
    )


def _fts_query(text: str) -> str:
    # Any of the name's trigrams, each quoted (FTS5 syntax), ranked by bm25.
    grams = {text[i : i + 3] for i in range(len(text) - 2)}
    grams = {g for g in grams if '"' not in g}
    return " OR ".join(f'"{g}"' for g in sorted(grams))


def _collect(
    candidates: dict[int, _Candidate], keys: NameKeys | None, rows: Iterable[_Row]
) -> None:
    for person_id, written, folded, sorted_tokens, phonetic, script, born, path in rows:
        candidate = candidates.get(person_id)
        if candidate is None:
            if isinstance(born, str):  # SQLite returns dates from raw SQL as text
                born = dt.date.fromisoformat(born)
            candidate = candidates[person_id] = _Candidate(person_id, born, path or "")
            candidate.matched_name = written
        if written in candidate.written:
            continue
        candidate.written.add(written)
        if keys is not None:
            similarity = name_similarity(keys, _keys(folded, sorted_tokens, phonetic, script))
            if similarity > candidate.name_score:
                candidate.name_score, candidate.matched_name = similarity, written


# --- Scoring -----------------------------------------------------------------------------


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


def _score(candidate: _Candidate, has_name: bool, query: PersonQuery) -> bool:
    """Set the candidate's score and why (as codes, translated only for the results shown
    by :func:`_explain`); False when it is not a match."""
    why: list[tuple[str, int]] = []
    score = 0.0
    name_score = candidate.name_score
    if has_name:
        score += name_score
        if name_score >= 0.999:
            why.append(("same_name", 0))
        elif name_score >= NAME_FLOOR_SAME_DAY:
            why.append(("similar_name", round(name_score * 100)))
    if candidate.by_id:
        score += 1.0
        why.insert(0, ("same_id", 0))
    if candidate.by_phone:
        score += 0.5
        why.append(("same_phone", 0))
    born = candidate.birth_date
    wanted_year = query.birth_date.year if query.birth_date else query.birth_year
    same_day = (
        born is not None and query.birth_date is not None and born in _block_dates(query.birth_date)
    )
    if same_day:
        # A shared exact date is about 365 times rarer than a shared year.
        score += 0.5
        why.append(("same_day", 0))
    elif born is not None and wanted_year is not None:
        gap = abs(born.year - wanted_year)
        if gap == 0:
            score += 0.1
            why.append(("same_year", 0))
        elif gap == 1:
            score += 0.05
            why.append(("around", wanted_year))
        elif gap > YEAR_WINDOW:
            score -= 0.3
    if query.area_path and candidate.area_path:
        # A village holds hundreds of people, a district hundreds of thousands.
        shared = _shared_levels(query.area_path, candidate.area_path)
        if shared >= 4:
            score += 0.3
            why.append(("same_village", 0))
        elif shared == 3:
            score += 0.15
            why.append(("same_subdistrict", 0))
        elif shared == 2:
            score += 0.1
            why.append(("same_district", 0))
    floor = NAME_FLOOR_SAME_DAY if same_day else NAME_FLOOR
    if not (candidate.by_id or candidate.by_phone) and has_name and name_score < floor:
        return False
    candidate.score, candidate.why = round(score, 4), why
    return True


def _explain(why: list[tuple[str, int]]) -> list[str]:
    texts = {
        "same_id": lambda n: _("same ID number"),
        "same_name": lambda n: _("same name"),
        "similar_name": lambda n: _("similar name (%(percent)d%%)") % {"percent": n},
        "same_phone": lambda n: _("same phone number"),
        "same_day": lambda n: _("same date of birth"),
        "same_year": lambda n: _("born the same year"),
        "around": lambda n: _("born around %(year)d") % {"year": n},
        "same_village": lambda n: _("same village"),
        "same_subdistrict": lambda n: _("same sub-district"),
        "same_district": lambda n: _("same district"),
    }
    return [texts[code](number) for code, number in why]


def _in_scope(scored: list[_Candidate], within: Q, query: PersonQuery) -> list[Match]:
    """The first ``limit`` candidates the actor may see, best first, with their persons."""
    matches: list[Match] = []
    chunk_size = query.limit
    for start in range(0, len(scored), chunk_size):
        chunk = scored[start : start + chunk_size]
        persons = Person.objects.filter(within).filter(pk__in=[c.person_id for c in chunk])
        found = {p.pk: p for p in persons.select_related("home_area")}
        for candidate in chunk:
            person = found.get(candidate.person_id)
            if person is None:
                continue
            matches.append(
                Match(
                    person=person,
                    score=candidate.score,
                    name_score=candidate.name_score,
                    matched_name=candidate.matched_name,
                    reasons=_explain(candidate.why),
                )
            )
            if len(matches) == query.limit:
                return matches
    return matches
