"""Test data for linkage: a small seeded registry with its labelled files, and CSVs in
the generic layout written by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry

from pulang.linkage.pipeline.csvfile import LAYOUT
from pulang.reference.models import Country, Currency, Occupation
from pulang.registry.synthetic import SeedOptions, SeedReport, seed_registry
from pulang.registry.synthetic.data import lists
from pulang.registry.synthetic.migration import CURRENCIES


def reference_for(countries: tuple[str, ...]) -> None:
    """The countries, occupations and currencies the generator needs for ``countries``."""
    data = lists()
    needed, isco = set(countries), set()
    for (origin, _sex), jobs in data.jobs.items():
        if origin in countries:
            needed |= {job.destination for job in jobs.items}
            isco |= {job.isco for job in jobs.items}
    for code in sorted(needed):
        found = pycountry.countries.get(alpha_2=code)
        Country.objects.get_or_create(
            code=code,
            defaults={"alpha3": found.alpha_3, "numeric": found.numeric, "name": found.name},
        )
    for code in sorted(isco):
        Occupation.objects.get_or_create(code=code, defaults={"level": 4, "title_en": code})
    for country in countries:
        currency = CURRENCIES[country][0]
        Currency.objects.get_or_create(code=currency, defaults={"numeric": "000", "name": currency})


def seed(
    tmp_path: Path, *, persons: int = 300, duplicates: float = 0.3, seed: int = 11
) -> tuple[SeedReport, Path, Path]:
    """Seed the registry; returns the report, the generic-layout export and the truth."""
    reference_for(("ID",))
    export, truth = tmp_path / "persons.csv", tmp_path / "truth.csv"
    report = seed_registry(
        SeedOptions(
            persons=persons,
            seed=seed,
            duplicates=duplicates,
            truth=truth,
            export=export,
            pipeline=False,
            force=True,
        )
    )
    return report, export, truth


def write_csv(path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = LAYOUT) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(header), extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    return path


def true_pairs(truth: Path) -> int:
    clusters: dict[str, int] = {}
    with truth.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            clusters[row["cluster_id"]] = clusters.get(row["cluster_id"], 0) + 1
    return sum(n * (n - 1) // 2 for n in clusters.values())
