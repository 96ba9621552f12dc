"""Progress of a running batch, written where the page can read it while the work runs.

The check runs outside any transaction: progress is an ordinary update. The import runs
in one big transaction, whose writes nobody sees before it commits; so on PostgreSQL the
progress goes through a second, autocommitting connection (it touches only the batch
row, which the big transaction does not lock until its very end). SQLite has one writer
at a time: there the page shows an indeterminate bar until the import commits.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from pulang.registry.imports.models import ImportBatch

logger = logging.getLogger(__name__)
# Writes at most this often: the page polls every 2 s.
INTERVAL_SECONDS = 1.0


class ProgressWriter:
    """Callable with a percentage; ``close()`` releases the second connection."""

    def __init__(self, batch_id: int, *, during_transaction: bool = False) -> None:
        self.batch_id = batch_id
        self.last = -1
        self.last_at = 0.0
        self._side: Any = None
        self.enabled = True
        if during_transaction:
            # Only an outermost transaction on PostgreSQL: inside an outer one (tests, an
            # immediate task in a request) the second connection could wait on our locks.
            outermost = not connection.in_atomic_block
            self.enabled = connection.vendor == "postgresql" and outermost
            if self.enabled:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, percent: int) -> None:
        percent = max(0, min(100, percent))
        now = time.monotonic()
        if percent <= self.last or (now - self.last_at < INTERVAL_SECONDS and percent < 100):
            return
        self.last, self.last_at = percent, now
        if not self.enabled:
            return
        if self._side is None:
            ImportBatch.objects.filter(pk=self.batch_id).update(
                progress=percent, progress_at=timezone.now()
            )
            return
        try:
            with self._side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(
                    "UPDATE registry_importbatch SET progress = %s, progress_at = %s WHERE id = %s",
                    [percent, timezone.now(), self.batch_id],
                )
        except Exception as error:  # progress is a courtesy: never fail the import for it
            logger.warning("import progress not written: %s", type(error).__name__)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
