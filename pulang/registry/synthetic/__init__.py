"""Synthetic returnee populations for demos, tests, benchmarks and linkage evaluation.

``seed_registry`` fills the registry with reproducible, realistic people of the ASEAN
sending countries (names as people write them, home areas from the area tree, documents,
stays abroad and returns) and, on request, a known share of duplicates corrupted the way
other channels would report the same person. The truth (which records are the same human
being) is written aside, never into the registry.

Seeding is a bulk load, not a user action: it writes the registry tables directly, one
transaction per batch, and refuses to run outside debug or demo deployments unless forced.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction

from pulang.geo.models import AdminArea
from pulang.reference.models import Country, Currency, Occupation
from pulang.registry.synthetic import writer
from pulang.registry.synthetic.data import COUNTRIES, Lists, Origin, Pool, lists
from pulang.registry.synthetic.documents import Area, AreaIndex
from pulang.registry.synthetic.migration import CURRENCIES
from pulang.registry.synthetic.people import HumanFactory
from pulang.registry.synthetic.records import (
    EXPORT_HEADER,
    TRUTH_HEADER,
    Record,
    RecordMaker,
    Rows,
    to_rows,
)

# The date the population is "seen" on: fixed, so that a seed always gives the same people.
AS_OF = dt.date(2026, 6, 30)
# Returnee shares across the sending countries for ``--country ASEAN``.
ASEAN_MIX = {"ID": 30.0, "PH": 25.0, "VN": 12.0, "MM": 12.0, "KH": 9.0, "TH": 7.0, "LA": 5.0}
BATCH_SIZE = 5000

__all__ = [
    "ASEAN_MIX",
    "AS_OF",
    "SeedOptions",
    "SeedProgress",
    "SeedRefused",
    "SeedReport",
    "parse_countries",
    "seed_registry",
]


class SeedRefused(Exception):
    """Seeding cannot or must not run here; the message says why and what to do."""


@dataclass(frozen=True)
class SeedOptions:
    persons: int
    seed: int = 1
    countries: dict[str, float] | None = None  # nationality → weight; None: Indonesia
    duplicates: float = 0.0  # share of human beings reported more than once
    truth: Path | None = None
    export: Path | None = None
    batch_size: int = BATCH_SIZE
    as_of: dt.date = AS_OF
    force: bool = False
    # Generate in a second process while this one writes; None: when it pays (2+ cores).
    pipeline: bool | None = None
    if_empty: bool = False  # do nothing when the registry already has people (make demo)


@dataclass(frozen=True)
class SeedProgress:
    humans: int
    of: int
    records: int
    rows: int
    seconds: float


@dataclass(frozen=True)
class SeedReport:
    humans: int
    records: int
    duplicates: int
    persons: int
    names: int
    identifiers: int
    episodes: int
    returns: int
    consents: int
    rows: int
    seconds: float
    database: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_details(self) -> dict[str, Any]:
        """The counts, for the audit event."""
        return {
            "humans": self.humans,
            "records": self.records,
            "duplicates": self.duplicates,
            "names": self.names,
            "identifiers": self.identifiers,
            "episodes": self.episodes,
            "returns": self.returns,
            "consents": self.consents,
        }


def parse_countries(text: str) -> dict[str, float]:
    """``ID``, ``ASEAN`` or ``ID:70,PH:30`` → nationality weights."""
    text = text.strip().upper()
    if text == "ASEAN":
        return dict(ASEAN_MIX)
    mix: dict[str, float] = {}
    for item in text.split(","):
        code, _, weight = item.strip().partition(":")
        if code not in COUNTRIES:
            raise SeedRefused(
                f"No name lists for country {code!r}: use one of {', '.join(COUNTRIES)} or ASEAN."
            )
        try:
            mix[code] = float(weight) if weight else 1.0
        except ValueError as exc:
            raise SeedRefused(f"{item!r}: the weight after ':' must be a number.") from exc
        if mix[code] <= 0:
            raise SeedRefused(f"{item!r}: the weight must be positive.")
    return mix


def seed_registry(
    options: SeedOptions, *, progress: Callable[[SeedProgress], None] | None = None
) -> SeedReport:
    """Generate ``options.persons`` human beings (and their duplicates) into the registry."""
    if not (settings.DEBUG or getattr(settings, "PULANG_DEMO", False) or options.force):
        raise SeedRefused(
            "Seeding fills the registry with fake people: it runs only with PULANG_DEBUG=true "
            "or PULANG_DEMO=true, or when forced."
        )
    if options.persons < 0 or not 0 <= options.duplicates <= 1 or options.batch_size < 1:
        raise SeedRefused("persons ≥ 0, 0 ≤ duplicates ≤ 1 and batch size ≥ 1, please.")
    if options.if_empty and writer.has_people():
        return SeedReport(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, connection.vendor)
    mix = options.countries or {"ID": 1.0}
    data = lists()
    _check_reference(data, mix)
    areas = _area_index(list(mix))
    origins = {country: _origins(data, areas, country) for country in mix}
    rng = Random(options.seed)  # noqa: S311 - reproducible test data, not secrets
    factory = HumanFactory(
        lists=data,
        countries=Pool(list(mix), list(mix.values())),
        origins=origins,
        areas=areas,
        as_of=options.as_of,
        rng=rng,
    )
    maker = RecordMaker(
        lists=data,
        areas=areas,
        issuer=factory.issuer,
        as_of=options.as_of,
        tz=dt.UTC if writer.wants_aware_datetimes() else None,
    )
    writer.prepare()
    next_person, next_episode = writer.next_ids()
    totals = dict.fromkeys(
        ("records", "duplicates", "person", "personname", "identifier", "migrationepisode",
         "return", "consent", "rows"),
        0,
    )  # fmt: skip
    started = time.perf_counter()
    done = 0
    with ExitStack() as files:
        truth = _csv(files, options.truth, TRUTH_HEADER)
        export = _csv(files, options.export, EXPORT_HEADER)
        batches = _batches(options, factory, maker, rng, next_person, next_episode)
        pipeline = options.pipeline
        if pipeline is None:
            pipeline = options.persons > options.batch_size and (os.cpu_count() or 1) > 1
        if pipeline and "fork" in multiprocessing.get_all_start_methods():
            batches = _in_other_process(batches)
        for rows in batches:
            with transaction.atomic():
                totals["rows"] += writer.write(rows)
                # Per batch, so that a run stopped half-way leaves usable sequences.
                writer.reset_sequences()
            for key, _columns, table_rows in rows.tables():
                totals[key] += len(table_rows)
            totals["records"] += len(rows.persons or [])
            totals["duplicates"] += rows.duplicates
            if truth is not None:
                truth.writerows(rows.truth or [])
            if export is not None:
                export.writerows(rows.export or [])
            done += rows.humans
            if progress is not None:
                progress(
                    SeedProgress(
                        humans=done,
                        of=options.persons,
                        records=totals["records"],
                        rows=totals["rows"],
                        seconds=time.perf_counter() - started,
                    )
                )
    return SeedReport(
        humans=done,
        records=totals["records"],
        duplicates=totals["duplicates"],
        persons=totals["person"],
        names=totals["personname"],
        identifiers=totals["identifier"],
        episodes=totals["migrationepisode"],
        returns=totals["return"],
        consents=totals["consent"],
        rows=totals["rows"],
        seconds=time.perf_counter() - started,
        database=connection.vendor,
    )


def _batches(
    options: SeedOptions,
    factory: HumanFactory,
    maker: RecordMaker,
    rng: Random,
    next_person: int,
    next_episode: int,
) -> Iterator[Rows]:
    number = 0
    while number < options.persons:
        size = min(options.batch_size, options.persons - number)
        records: list[Record] = []
        duplicates = 0
        for _ in range(size):
            number += 1
            human = factory.make(number)
            records.append(maker.first(human, rng))
            if options.duplicates and rng.random() < options.duplicates:
                extra = 1 if rng.random() < 0.7 else 2
                duplicates += extra
                records.extend(maker.duplicate(human, rng) for _ in range(extra))
        # Channels report in no particular order: neighbours in id are not neighbours in truth.
        rng.shuffle(records)
        for offset, record in enumerate(records):
            record.pk = next_person + offset
        rows = to_rows(records, next_episode, size, duplicates)
        next_person += len(records)
        next_episode += len(rows.episodes or [])
        yield rows


class _Failed:
    def __init__(self, text: str) -> None:
        self.text = text


def _in_other_process(batches: Iterator[Rows]) -> Iterator[Rows]:
    """Run the generator in a forked process (it never touches the database) and hand its
    batches over a queue, so that making rows and writing them use both cores."""
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue(maxsize=3)

    def produce() -> None:
        try:
            for rows in batches:
                queue.put(rows)
            queue.put(None)
        except BaseException:  # the parent must hear of any failure, or it waits forever
            queue.put(_Failed(traceback.format_exc()))

    process = context.Process(target=produce, daemon=True)
    process.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                return
            if isinstance(item, _Failed):
                raise RuntimeError(f"the generator process failed:\n{item.text}")
            yield item
    finally:
        if process.is_alive():
            process.terminate()
        process.join()


def _csv(files: ExitStack, path: Path | None, header: tuple[str, ...]) -> Any:
    if path is None:
        return None
    handle: IO[str] = files.enter_context(path.open("w", encoding="utf-8", newline=""))
    out = csv.writer(handle)
    out.writerow(header)
    return out


def _check_reference(data: Lists, mix: dict[str, float]) -> None:
    """Countries, occupations and currencies must be loaded: say so plainly if not."""
    countries = set(mix)
    occupations: set[str] = set()
    for (origin, _sex), jobs in data.jobs.items():
        if origin in mix:
            countries |= {job.destination for job in jobs.items}
            occupations |= {job.isco for job in jobs.items}
    currencies = {CURRENCIES[c][0] for c in mix}
    missing: list[str] = []
    for model, codes in ((Country, countries), (Occupation, occupations), (Currency, currencies)):
        present = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
        missing += sorted(codes - present)
    if missing:
        raise SeedRefused(
            f"Reference data is missing ({', '.join(missing[:8])}"
            f"{', …' if len(missing) > 8 else ''}): run `pulang load_reference` first."
        )


def _area_index(countries: list[str]) -> AreaIndex:
    """Leaves of the area trees of these countries, under their provinces."""
    rows = list(
        AdminArea.objects.filter(country_id__in=countries, is_active=True)
        .order_by("country_id", "path")
        .values_list("id", "country_id", "code", "level", "parent_id", "name")
    )
    parents = {parent for *_rest, parent, _name in rows if parent is not None}
    by_id = {row[0]: row for row in rows}
    index = AreaIndex()
    by_province: dict[tuple[str, str], list[Area]] = {}
    by_country: dict[str, list[Area]] = {}
    for pk, country, code, level, _parent, _name in rows:
        if level == 0:
            continue
        chain = []
        node: int | None = pk
        while node is not None and by_id[node][3] > 0:
            chain.append(by_id[node])
            node = by_id[node][4]
        chain.reverse()
        area = Area(pk=pk, code=code, level=level, names=tuple(r[5] for r in chain))
        province = chain[0][2]
        if level == 1:
            index.provinces[(country, code)] = area
        if pk not in parents:
            by_province.setdefault((country, province), []).append(area)
            by_country.setdefault(country, []).append(area)
    index.by_province = {key: tuple(v) for key, v in by_province.items()}
    index.by_country = {key: tuple(v) for key, v in by_country.items()}
    return index


def _origins(data: Lists, areas: AreaIndex, country: str) -> Pool[Origin]:
    """The country's origin provinces, limited to those with areas here when any have."""
    pool = data.origins[country]
    present = [
        (origin, weight)
        for origin, weight in zip(pool.items, pool.weights(), strict=True)
        if (country, origin.province) in areas.by_province
    ]
    if not present:
        return pool
    return Pool([o for o, _ in present], [w for _, w in present])
