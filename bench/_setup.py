"""Shared set-up for benchmarks: Django on the database DATABASE_URL names (SQLite by
default), migrated, with reference data; prints JSON figure lines."""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any


def django_setup() -> None:
    os.environ.setdefault("PULANG_DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def as_autovacuum_leaves_it() -> None:
    """Tables as a deployment's autovacuum keeps them: planner statistics, and (PostgreSQL)
    dead rows cleared and pages marked all-visible. Freshly seeded tables have neither; a
    linkage run's merges leave ~150,000 dead person rows at a million people. Bench servers
    may run with autovacuum off (this machine's does), so the benches do it themselves.
    Without it, the door's search took p50 84-99 ms instead of 25-28 ms at 1M people."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def database_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def emit(metric: str, value: float, unit: str, **context: Any) -> None:
    print(
        json.dumps(
            {"metric": metric, "value": value, "unit": unit, "db": database_vendor(), **context}
        )
    )
    sys.stdout.flush()


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 2)


def synthetic_area_tree(country_code: str, fan_out: int) -> int:
    """Give every province of ``country_code`` a fictional tree of ``fan_out`` districts,
    each of ``fan_out`` sub-districts of ``fan_out`` villages, through the real code-list
    import. A registry knows where its people live down to the village; the ISO provinces
    alone would make every population look far more alike than a real one. Returns the
    number of areas created (0 when the tree is already there)."""
    import csv
    import io

    from pulang.geo.models import AdminArea
    from pulang.geo.services import area_import

    provinces = list(
        AdminArea.objects.filter(country_id=country_code, level=1).values_list("code", flat=True)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "parent_code", "level", "name"])
    for province in provinces:
        for d in range(1, fan_out + 1):
            district = f"{province}-{d:02d}"
            writer.writerow([district, province, 2, f"District {district}"])
            for s in range(1, fan_out + 1):
                sub = f"{district}-{s:02d}"
                writer.writerow([sub, district, 3, f"Sub-district {sub}"])
                for v in range(1, fan_out + 1):
                    village = f"{sub}-{v:02d}"
                    writer.writerow([village, sub, 4, f"Village {village}"])
    report = area_import(actor=None, data=out.getvalue().encode(), country_code=country_code)
    return report.created
