"""The trained model at the registry's door: the scorer the registration's duplicate check
calls (registered by ``LinkageConfig.ready``; the registry never imports linkage).

The registry's search finds the candidates; this reads them (and the new record) into the
run's raw tables, counts what the scores need of the whole registry (one query, and one
more every ``FIGURES_SECONDS`` for the registry's totals), and scores the pairs with the
newest stored model (pipeline/door.py, one DuckDB statement). docs/linkage.md, "At the
door", says what is exact and what is approximated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from pulang.linkage.models import CommonWord, TermFrequency
from pulang.linkage.pipeline import door
from pulang.linkage.pipeline.extract import NAME_RANK, _province
from pulang.linkage.pipeline.frame import RawTables, common_word_limit
from pulang.linkage.pipeline.model import MODEL_FORMAT
from pulang.linkage.presenters import comparison_rows, percent
from pulang.linkage.selectors import linkage_current_model_key, linkage_model_settings
from pulang.registry.models import Identifier, Person, PersonName
from pulang.registry.names import NameKeys, name_keys
from pulang.registry.search import _codes_predicate, _like_escape, index_scans
from pulang.registry.services.registration import DoorRecord, ModelScore, door_scorer_register

# Registry-wide figures (how many people, which words are common) change slowly: counted
# at most this often per process. A word's count is kept as long.
FIGURES_SECONDS = 600.0
# A word the last run kept with a count this close under today's common-word limit (a
# share of it) is counted again at the door: the registry grows between runs by a few
# percent at most, so a word further under the limit cannot have become common.
RECOUNT_MARGIN = 0.05
# Words whose counts are kept, at most (a few MiB).
WORDS_KEPT = 200_000
# The persons of the new record's home area whose address lines are compared to count how
# common its address is (docs/linkage.md): at most this many.
ADDRESS_ROWS = 5000

_LIVE = Q(erased_at__isnull=True, merged_into__isnull=True)
_settings_cache: dict[int, dict[str, Any]] = {}
# Kept between checks: when counted, and the counts.
_figures: dict[str, tuple[float, tuple[int, int, int]]] = {}
# Per word: when counted, the persons bearing it (counted up to ``bound``), and ``bound``.
_words: dict[str, tuple[float, int, int]] = {}
_lock = threading.Lock()


def register() -> None:
    door_scorer_register(score_at_door)


def score_at_door(
    *, record: DoorRecord, candidate_ids: Sequence[int]
) -> dict[int, ModelScore] | None:
    """The newest trained model's scores for the new record against each candidate; None
    when no model of the current format has been trained yet."""
    current = linkage_current_model_key(model_format=MODEL_FORMAT)
    if current is None:
        return None
    model_id, version = current
    settings = _settings_cache.get(model_id)
    if settings is None:
        settings = _settings_cache[model_id] = linkage_model_settings(model_id=model_id)
    raw = RawTables()
    _add_new_record(raw, record)
    elsewhere = _add_candidates(raw, candidate_ids, home_area=record.person.home_area_id)
    frequencies = _frequencies(raw, record, elsewhere)
    scores = door.score(
        raw, settings=settings, cache_key=f"pulang-door-{model_id}", frequencies=frequencies
    )
    return {
        s.person_id: ModelScore(
            probability=s.probability,
            weight=s.weight,
            model_version=version,
            comparisons=s.comparisons,
            reasons=reasons(s.probability, s.comparisons),
        )
        for s in scores
    }


def reasons(probability: float, comparisons: dict[str, dict[str, Any]]) -> list[str]:
    """Why, in the reviewer's words: the match probability, then every comparison that
    weighed for or against, with its weight."""
    texts = [_("match probability %(percent)s") % {"percent": percent(probability)}]
    for row in comparison_rows(comparisons):
        if row.agrees is None:
            continue
        texts.append(
            _("%(field)s: %(level)s (%(weight)s)")
            % {"field": row.title, "level": row.level, "weight": row.signed_weight}
        )
    return texts


# --- The records, as a run reads them (pipeline/extract.py) ------------------------------


def _add_new_record(raw: RawTables, record: DoorRecord) -> None:
    person = record.person
    area = person.home_area
    raw.add_records(
        [
            (
                door.NEW_ID,
                person.sex,
                person.birth_date,
                person.birth_date_precision,
                person.phone,
                person.address,
                area.code if area else None,
                _province(area.path) if area else None,
                bool(person.is_restricted),
                True,
            )
        ]
    )
    rows = []
    for kind, written in record.names:
        keys = name_keys(written)
        rows.append(
            (door.NEW_ID, NAME_RANK.get(kind, 1), keys.folded, keys.sorted_tokens, keys.phonetic)
        )
    raw.add_names(rows)
    raw.add_identifiers([(door.NEW_ID, number, False) for number in record.identifiers])


def _add_candidates(
    raw: RawTables, candidate_ids: Sequence[int], *, home_area: int | None
) -> dict[int, str]:
    """The candidates' records; returns the address lines of those living outside the new
    record's home area (the area's own are counted in the registry)."""
    ids = sorted(set(candidate_ids))
    persons = Person.objects.filter(_LIVE, pk__in=ids).values_list(
        "pk", "sex", "birth_date", "birth_date_precision", "phone", "address",
        "home_area__code", "home_area__path", "is_restricted", "home_area_id",
    )  # fmt: skip
    rows, elsewhere = [], {}
    for pk, sex, born, precision, phone, address, code, path, r, area in persons:
        rows.append(
            (pk, sex, born, precision, phone, address, code, _province(path), bool(r), True)
        )
        if address and (home_area is None or area != home_area):
            elsewhere[pk] = address
    raw.add_records(rows)
    names = PersonName.objects.filter(person_id__in=ids).values_list(
        "person_id", "kind", "folded", "sorted_tokens", "phonetic"
    )
    raw.add_names(
        [
            (pk, NAME_RANK.get(kind, 1), folded, sorted_tokens, phonetic)
            for pk, kind, folded, sorted_tokens, phonetic in names
        ]
    )
    numbers = Identifier.objects.filter(person_id__in=ids).values_list(
        "person_id", "number", "verified"
    )
    raw.add_identifiers([(pk, number, bool(verified)) for pk, number, verified in numbers])
    return elsewhere


# --- What the scores need of the whole registry ------------------------------------------


def _registry_figures() -> tuple[int, int, int]:
    """Live persons; of them, with a date of birth; with an address line. One query,
    repeated at most every ``FIGURES_SECONDS``."""
    now = time.monotonic()
    held = _figures.get("registry")
    if held is None or now - held[0] > FIGURES_SECONDS:
        counted = Person.objects.filter(_LIVE).aggregate(
            people=Count("pk"),
            born=Count("birth_date"),
            addressed=Count("pk", filter=~Q(address="")),
        )
        figures = (int(counted["people"]), int(counted["born"]), int(counted["addressed"]))
        held = _figures["registry"] = (now, figures)
    return held[1]


def _words_of(raw: RawTables) -> dict[int, set[str]]:
    """Each record's name words (phonetic), as the run takes them: of every name that
    has a transliterated form."""
    words: dict[int, set[str]] = {}
    for batch in raw.names:
        for pk, folded, phonetic in zip(
            batch.column("unique_id").to_pylist(),
            batch.column("folded").to_pylist(),
            batch.column("phonetic").to_pylist(),
            strict=True,
        ):
            if folded:
                words.setdefault(pk, set()).update((phonetic or "").split())
    return words


def words_that_matter(new: set[str], others: Iterable[set[str]]) -> set[str]:
    """The words whose commonness can change a score. The rare-word levels compare the
    first three uncommon words of each side, in sorted order: a word matters only when the
    two sides share a word at or after it."""
    needed: set[str] = set()
    for words in others:
        shared = new & words
        if shared:
            last = max(shared)
            needed.update(w for w in new | words if w <= last)
    return needed


def _shares_address(raw: RawTables) -> bool:
    """Whether a candidate's address line, normalised as a run normalises it, is the new
    record's. Splink adjusts only the "same address" level by how common the line is: when
    no candidate shares it, its frequency changes no score and is not counted."""
    new: str | None = None
    others: list[str] = []
    for batch in raw.records:
        for pk, address in zip(
            batch.column("unique_id").to_pylist(), batch.column("address").to_pylist(), strict=True
        ):
            if not address:
                continue
            if pk == door.NEW_ID:
                new = address
            else:
                others.append(address)
    if new is None or not others:
        return False
    normalised = door.normalised_address(door.connection(), [new, *others])
    return normalised[0] is not None and normalised[0] in normalised[1:]


def _frequencies(raw: RawTables, record: DoorRecord, elsewhere: dict[int, str]) -> door.Frequencies:
    """Counted with the new record in the registry, as a run after it would count."""
    live, born, addressed = _registry_figures()
    people = live + 1
    limit = common_word_limit(people)
    words = _words_of(raw)
    new_words = words.pop(door.NEW_ID, set())
    needed = words_that_matter(new_words, words.values())
    now = time.monotonic()
    known: dict[str, int] = {}
    for word in needed:
        held = _words.get(word)
        # A count cut at a bound below today's limit cannot say "common" any more.
        if (
            held is not None
            and now - held[0] <= FIGURES_SECONDS
            and (held[1] < held[2] or held[2] > limit)
        ):
            known[word] = held[1]
    # Words the last run over the whole registry kept need no count (counting a frequent
    # word is the costly part of the check) when their kept count says clearly whether
    # they are common: above today's limit, or under ``1 - RECOUNT_MARGIN`` of it. A word
    # just under the limit may have crossed it since the run: counted.
    for word, persons in CommonWord.objects.filter(
        word__in=sorted(needed - set(known))
    ).values_list("word", "persons"):
        if persons > limit or persons < limit * (1 - RECOUNT_MARGIN):
            known[word] = persons
    unknown = sorted(needed - set(known))
    person = record.person
    primary = next((name_keys(w) for kind, w in record.names if NAME_RANK.get(kind, 1) == 0), None)
    primary = primary if primary is not None and primary.folded else None
    kept = _kept_frequencies(primary, person.birth_date)
    shared_address = bool(person.address.strip()) and _shares_address(raw)
    counted = _count(
        primary=primary,
        birth_date=person.birth_date,
        home_area=person.home_area_id if shared_address else None,
        words=unknown,
        bound=limit + 1,
        skip=set(kept),
    )
    counted.tf.update(kept)
    with _lock:
        if len(_words) > WORDS_KEPT:
            _words.clear()
        for word in unknown:
            count = counted.words.get(word, 0)
            _words[word] = (now, count, limit + 1)
            known[word] = count
    # The new record bears its own words: a run after it would count it.
    common = frozenset(w for w, n in known.items() if n + (w in new_words) > limit)
    counts = {column: n + 1 for column, n in counted.tf.items()}
    lines = dict(counted.address_lines)
    if shared_address:
        for address in elsewhere.values():
            lines[address] = lines.get(address, 0) + 1
    return door.Frequencies(
        common_words=common,
        counts=counts,
        # Every live person has a name: the name's total is the registry.
        totals={
            "name": people,
            "name_phonetic": people,
            "birth_date": born + 1,
            "address": addressed + 1 if person.address.strip() else 0,
        },
        address_lines=lines,
    )


def _kept_frequencies(primary: NameKeys | None, birth_date: Any) -> dict[str, int]:
    """The new record's name, phonetic key and date of birth that the last run over the
    whole registry found common, with its counts: those need no count now (counting a
    common value is the costly part). One short query."""
    wanted = Q(pk__in=[])
    if primary is not None:
        wanted |= Q(column="name", value=primary.folded[:200])
        if primary.phonetic:
            wanted |= Q(column="name_phonetic", value=primary.phonetic[:200])
    if birth_date is not None:
        wanted |= Q(column="birth_date", value=birth_date.isoformat())
    return dict(TermFrequency.objects.filter(wanted).values_list("column", "persons"))


class _Counted:
    def __init__(self) -> None:
        self.tf: dict[str, int] = {}
        self.words: dict[str, int] = {}
        self.address_lines: dict[str, int] = {}


def _count(
    *,
    primary: NameKeys | None,
    birth_date: Any,
    home_area: int | None,
    words: list[str],
    bound: int,
    skip: set[str] | None = None,
) -> _Counted:
    """Everything the new record needs counted in the registry, in one query: how many
    live persons share its primary name, its phonetic key, its date of birth; the address
    lines of its home area (at most ``ADDRESS_ROWS`` people); and for each of ``words``,
    how many live persons bear it, counted up to ``bound`` (any more says "common": a rare
    word, most of them, costs one short index scan). The term frequencies named in
    ``skip`` are known already and not counted."""
    skip = skip or set()
    person, name = Person._meta.db_table, PersonName._meta.db_table
    live = "p.erased_at IS NULL AND p.merged_into_id IS NULL"
    parts: list[str] = []
    params: list[Any] = []
    if primary is not None:
        primaries = (
            f"SELECT count(DISTINCT n.person_id) FROM {name} n "  # noqa: S608 - our names
            f"JOIN {person} p ON p.id = n.person_id WHERE n.kind = %s AND {live} AND "
        )
        if "name" not in skip:
            parts.append(
                f"SELECT 'tf', 'name', ({primaries}n.sorted_tokens = %s AND n.folded = %s)"
            )
            params += [
                PersonName.Kind.PRIMARY.value,
                primary.sorted_tokens[:200],
                primary.folded[:200],
            ]
        if primary.phonetic and "name_phonetic" not in skip:
            parts.append(f"SELECT 'tf', 'name_phonetic', ({primaries}n.phonetic = %s)")
            params += [PersonName.Kind.PRIMARY.value, primary.phonetic[:200]]
    if birth_date is not None and "birth_date" not in skip:
        parts.append(
            f"SELECT 'tf', 'birth_date', (SELECT count(*) FROM {person} p "  # noqa: S608
            f"WHERE p.birth_date = %s AND {live})"
        )
        params.append(birth_date)
    if home_area is not None:
        parts.append(
            "SELECT 'address', a.address, count(*) FROM "  # noqa: S608 - our names
            f"(SELECT p.address FROM {person} p WHERE p.home_area_id = %s AND {live} "
            "AND p.address <> '' LIMIT %s) a GROUP BY a.address"
        )
        params += [home_area, ADDRESS_ROWS]
    for word in words:
        predicate, predicate_params = _codes_predicate([word], None)
        # Each person once: at the first of its names that bears the word.
        parts.append(
            "SELECT 'word', %s, (SELECT count(*) FROM ("  # noqa: S608 - our names
            f"SELECT 1 FROM {name} n JOIN {person} p ON p.id = n.person_id "
            f"WHERE {predicate} AND n.folded <> '' AND {live} AND NOT EXISTS ("
            f"SELECT 1 FROM {name} o WHERE o.person_id = n.person_id AND o.id < n.id "
            "AND o.folded <> '' AND (' ' || o.phonetic || ' ') LIKE %s ESCAPE '!') "
            "LIMIT %s) x)"
        )
        params += [word, *predicate_params, f"% {_like_escape(word)} %", bound]
    counted = _Counted()
    if not parts:
        return counted
    # Each part is built above from our own table names; values are parameters.
    union = " UNION ALL ".join(
        f"SELECT * FROM ({part}) q{i}"  # noqa: S608
        for i, part in enumerate(parts)
    )
    # Index scans only, no JIT: the parts' summed estimates pass JIT's threshold, and
    # compiling costs ~90 ms for a query that runs in a few.
    with index_scans(), connection.cursor() as cursor:
        cursor.execute(union, params)
        for kind, key, number in cursor.fetchall():
            {"tf": counted.tf, "word": counted.words, "address": counted.address_lines}[kind][
                key
            ] = int(number or 0)
    return counted


def _forget() -> None:
    """Drop what is kept between calls (tests)."""
    _settings_cache.clear()
    _figures.clear()
    _words.clear()
    door.forget_models()
