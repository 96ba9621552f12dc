"""What both import paths share: the context they work in, the counts they return, and
the model defaults of columns they do not set."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from pathlib import Path

    from pulang.orgs.actor import Actor

Report = Callable[[int], None]


@dataclass
class LoadCounts:
    created: int = 0
    linked: int = 0
    skipped_already_imported: int = 0
    # Seconds per step, for bench/imports.py.
    timings: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.perf_counter)

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = self.timings.get(step, 0.0) + now - self._last
        self._last = now


@dataclass(frozen=True)
class LoadContext:
    actor: Actor
    folder: Path
    rows: int  # rows in the prepared files, for progress
    now: dt.datetime
    agency_id: int | None  # set when the importer's own records include the people
    report: Report


def column_defaults(
    model: type[models.Model], given: set[str], now: dt.datetime
) -> tuple[list[str], list[Any]]:
    """Columns the statement does not set, with their model defaults: a column added to
    the model after this was written still gets its default (or NULL)."""
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        columns.append(f.column)
        default = f.get_default() if f.has_default() else None
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            default = now
        elif default is None and not f.null and isinstance(f, models.CharField):
            default = ""
        if isinstance(f, models.JSONField):
            default = json.dumps(default)
        values.append(default)
    return columns, values
