"""Writing checked rows to the registry, inside the caller's transaction.

:func:`load` is the one place the databases differ. PostgreSQL: ``COPY`` the checked rows
into temporary staging tables, decide link-or-create for all of them in one statement
(person ids reserved with ``nextval``), then one ``INSERT … SELECT`` per registry table.
Any other database (SQLite): the portable path, the same decisions made in Python chunk
by chunk, written with ``bulk_create``. Both give the same result; the tests run both.

The decisions, in both paths:
- a row whose key was imported before by the organisation is skipped (counted);
- a row whose national ID number (normalised) is registered links to that person (the
  lowest id when several share it); rows of the file sharing a number not yet registered
  make one new person, created by the first of them; every other row creates a person;
- a report adds, it never overwrites: names, documents and consents a linked person
  already has are not added again, and a new spelling becomes an alias.
"""

from __future__ import annotations

from django.db import connection

from pulang.registry.imports.services.loading.base import LoadContext, LoadCounts
from pulang.registry.imports.services.loading.portable import load_portable
from pulang.registry.imports.services.loading.postgresql import load_postgresql

__all__ = ["LoadContext", "LoadCounts", "load"]


def load(context: LoadContext, *, portable: bool = False) -> LoadCounts:
    """Write the prepared rows; the caller holds the transaction."""
    if connection.vendor == "postgresql" and not portable:
        return load_postgresql(context)
    return load_portable(context)
