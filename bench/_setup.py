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
