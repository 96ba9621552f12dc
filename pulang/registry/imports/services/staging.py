"""The checked rows of a file, ready to load: written once by the check, read by the
import. Three streams of tuples (rows, names, identity documents), in the column order
declared here, stored as marshal chunks beside the upload (``prepared.*``) and deleted
with it. The PostgreSQL path copies them into staging tables with these columns; the
portable path builds model instances from them."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Row = tuple[Any, ...]

# (column, PostgreSQL type). Dates travel as ISO text, JSON as text, money as text.
ROW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("line", "integer"),
    ("key", "text"),
    ("nik_country", "text"),
    ("nik", "text"),
    ("full_name", "text"),
    ("given_name", "text"),
    ("family_name", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("birth_date_precision", "text"),
    ("nationality_id", "text"),
    ("phone", "text"),
    ("email", "text"),
    ("home_area_id", "bigint"),
    ("address", "text"),
    ("has_disability", "boolean"),
    ("household_size", "integer"),
    ("dependants", "integer"),
    ("languages", "jsonb"),
    ("education_level", "text"),
    ("abroad_in_id", "text"),
    ("is_restricted", "boolean"),
    ("destination_country_id", "text"),
    ("destination_city", "text"),
    ("employer_name", "text"),
    ("sector", "text"),
    ("occupation_id", "text"),
    ("job_title", "text"),
    ("visa_type", "text"),
    ("started_on", "date"),
    ("ended_on", "date"),
    ("agency_name", "text"),
    ("legal_status", "text"),
    ("migration_cost", "numeric"),
    ("migration_cost_currency_id", "text"),
    ("cost_financing", "jsonb"),
    ("abuse_indicators", "jsonb"),
    ("return_status", "text"),
    ("returned_on", "date"),
    ("expected_on", "date"),
    ("port_of_entry", "text"),
    ("reason", "text"),
    ("mode", "text"),
    ("readiness", "text"),
    ("intention", "text"),
    ("return_area_id", "bigint"),
    ("support_received", "text"),
    ("consents", "jsonb"),
    ("consent_method", "text"),
    ("payload", "jsonb"),
)
NAME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("line", "integer"),
    ("kind", "text"),
    ("written", "text"),
    ("folded", "text"),
    ("sorted_tokens", "text"),
    ("phonetic", "text"),
    ("script", "text"),
)
IDENTIFIER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("line", "integer"),
    ("kind", "text"),
    ("number", "text"),
    ("issuing_country_id", "text"),
)
ROW_INDEX = {name: i for i, (name, _type) in enumerate(ROW_COLUMNS)}


STREAMS = ("rows", "names", "identifiers")


class PreparedWriter:
    """Appends checked rows, with their names and documents, in chunks: chunk *n* of each
    stream holds the same rows. ``close`` flushes the last chunk."""

    def __init__(self, folder: Path, *, chunk: int = 5000) -> None:
        self.folder = folder
        self.chunk = chunk
        self._files = {s: (folder / f"prepared.{s}").open("wb") for s in STREAMS}
        self.rows: list[Row] = []
        self.names: list[Row] = []
        self.identifiers: list[Row] = []

    def add(self, row: Row, names: list[Row], identifiers: list[Row]) -> None:
        self.rows.append(row)
        self.names += names
        self.identifiers += identifiers
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            marshal.dump(self.rows, self._files["rows"])
            marshal.dump(self.names, self._files["names"])
            marshal.dump(self.identifiers, self._files["identifiers"])
            self.rows, self.names, self.identifiers = [], [], []

    def close(self) -> None:
        self.flush()
        for file in self._files.values():
            file.close()


def read_stream(folder: Path, stream: str) -> Iterator[list[Row]]:
    """The chunks of one stream a :class:`PreparedWriter` wrote (our own file, never an
    upload: marshal is safe here)."""
    with (folder / f"prepared.{stream}").open("rb") as file:
        while True:
            try:
                chunk: list[Row] = marshal.load(file)  # noqa: S302
            except EOFError:
                return
            yield chunk


def read_chunks(folder: Path) -> Iterator[tuple[list[Row], list[Row], list[Row]]]:
    """The three streams side by side, chunk by chunk."""
    yield from zip(
        read_stream(folder, "rows"),
        read_stream(folder, "names"),
        read_stream(folder, "identifiers"),
        strict=True,
    )
