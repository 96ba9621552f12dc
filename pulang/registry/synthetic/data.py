"""The curated lists the generator draws from (``pulang/registry/data/synthetic``), loaded
once into weighted pools. Everything here is plain data: no database, no randomness."""

from __future__ import annotations

import csv
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Generic, TypeVar

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "synthetic"

# Sending countries with name lists, and the scripts their names are written in at home.
COUNTRIES = ("ID", "PH", "VN", "KH", "MM", "LA", "TH")
NATIVE_SCRIPT_COUNTRIES = frozenset({"TH", "KH", "LA", "MM"})

T = TypeVar("T")


class Pool(Generic[T]):
    """Items with relative weights; ``pick`` is one bisect on the cumulative weights."""

    __slots__ = ("_cumulative", "_total", "items")

    def __init__(self, items: list[T] | tuple[T, ...], weights: list[float] | tuple[float, ...]):
        if not items or len(items) != len(weights):
            raise ValueError("a pool needs at least one item and one weight per item")
        self.items: tuple[T, ...] = tuple(items)
        self._cumulative = list(accumulate(weights))
        self._total = self._cumulative[-1]

    def pick(self, rng: Random) -> T:
        return self.items[bisect_right(self._cumulative, rng.random() * self._total)]

    def weights(self) -> list[float]:
        previous = [0.0, *self._cumulative[:-1]]
        return [c - p for c, p in zip(self._cumulative, previous, strict=True)]

    def __len__(self) -> int:
        return len(self.items)


def pool_of(pairs: dict[T, float]) -> Pool[T]:
    return Pool(list(pairs), list(pairs.values()))


def fold(text: str) -> str:
    """Latin letters without diacritics (Đ → D), as foreign documents print Vietnamese."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Part:
    """One element of a name: as written at home, its usual romanisations (most common
    first) and the nicknames people use for it."""

    written: str
    latin: tuple[str, ...]
    nicknames: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    country: str
    province: str  # ISO 3166-2
    styles: Pool[str] | None  # naming traditions of the province (Indonesia, Philippines)
    id_prefixes: tuple[str, ...]  # national-ID area prefixes where the country has them


@dataclass(frozen=True, slots=True)
class Job:
    origin: str
    sex: str
    destination: str
    isco: str
    sector: str
    title: str
    visa: str
    months: int
    cost_usd: tuple[int, int]
    undocumented: float
    cities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ports:
    regular: Pool[str]
    # Land and sea crossings used when a neighbour deports or a worker crosses back alone.
    crossings: dict[str, Pool[str]]


@dataclass(frozen=True, slots=True)
class Lists:
    names: dict[tuple[str, str, str, str], Pool[Part]]  # (country, part, sex, style)
    variants: dict[str, tuple[str, ...]]  # lower-case spelling → all spellings of that name
    origins: dict[str, Pool[Origin]]
    jobs: dict[tuple[str, str], Pool[Job]]  # (origin country, sex)
    ports: dict[str, Ports]
    places: dict[tuple[str, str], tuple[str, ...]]  # (country, kind) → names

    def names_for(self, country: str, part: str, sex: str, style: str = "") -> Pool[Part] | None:
        return self.names.get((country, part, sex, style))


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split("|") if v.strip())


def _load_names() -> dict[tuple[str, str, str, str], Pool[Part]]:
    grouped: dict[tuple[str, str, str, str], tuple[list[Part], list[float]]] = defaultdict(
        lambda: ([], [])
    )
    for country in COUNTRIES:
        for row in _read(f"names_{country.lower()}.csv"):
            written = row["written"].strip()
            latin = _split(row["latin"])
            if country in NATIVE_SCRIPT_COUNTRIES:
                pass  # romanisations come from the list
            elif country == "VN":
                latin = (fold(written),)
            else:
                latin = (written, *(v for v in latin if v != written))
            part = Part(written, latin, _split(row["nicknames"]))
            sexes = (row["sex"],) if row["sex"] else ("F", "M")
            for sex in sexes:
                items, weights = grouped[(country, row["part"], sex, row["style"])]
                items.append(part)
                weights.append(float(row["weight"]))
    return {key: Pool(items, weights) for key, (items, weights) in grouped.items()}


def _load_variants() -> dict[str, tuple[str, ...]]:
    variants: dict[str, tuple[str, ...]] = {}
    for row in _read("variants.csv"):
        forms = _split(row["forms"])
        for form in forms:
            variants.setdefault(form.lower(), forms)
    return variants


def _load_origins() -> dict[str, Pool[Origin]]:
    grouped: dict[str, tuple[list[Origin], list[float]]] = defaultdict(lambda: ([], []))
    for row in _read("origins.csv"):
        styles = None
        if row["styles"]:
            pairs = dict(item.split(":") for item in _split(row["styles"]))
            styles = Pool(list(pairs), [float(w) for w in pairs.values()])
        origin = Origin(row["country"], row["province"], styles, _split(row["id_prefix"]))
        items, weights = grouped[row["country"]]
        items.append(origin)
        weights.append(float(row["weight"]))
    return {country: Pool(items, weights) for country, (items, weights) in grouped.items()}


def _load_jobs() -> dict[tuple[str, str], Pool[Job]]:
    grouped: dict[tuple[str, str], tuple[list[Job], list[float]]] = defaultdict(lambda: ([], []))
    for row in _read("jobs.csv"):
        job = Job(
            origin=row["origin"],
            sex=row["sex"],
            destination=row["destination"],
            isco=row["isco"],
            sector=row["sector"],
            title=row["job_title"],
            visa=row["visa"],
            months=int(row["months"]),
            cost_usd=(int(row["cost_usd_low"]), int(row["cost_usd_high"])),
            undocumented=float(row["undocumented"]),
            cities=_split(row["cities"]),
        )
        items, weights = grouped[(job.origin, job.sex)]
        items.append(job)
        weights.append(float(row["weight"]))
    return {key: Pool(items, weights) for key, (items, weights) in grouped.items()}


def _load_ports() -> dict[str, Ports]:
    regular: dict[str, dict[str, float]] = defaultdict(dict)
    crossings: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for row in _read("ports.csv"):
        weight = float(row["weight"])
        if row["deportation"] == "1":
            for destination in _split(row["destinations"]):
                crossings[row["origin"]][destination][row["port"]] = weight
        else:
            regular[row["origin"]][row["port"]] = weight
    return {
        origin: Ports(
            regular=pool_of(ports),
            crossings={d: pool_of(p) for d, p in crossings.get(origin, {}).items()},
        )
        for origin, ports in regular.items()
    }


def _load_places() -> dict[tuple[str, str], tuple[str, ...]]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in _read("places.csv"):
        grouped[(row["country"], row["kind"])].append(row["written"])
    return {key: tuple(names) for key, names in grouped.items()}


@cache
def lists() -> Lists:
    return Lists(
        names=_load_names(),
        variants=_load_variants(),
        origins=_load_origins(),
        jobs=_load_jobs(),
        ports=_load_ports(),
        places=_load_places(),
    )
