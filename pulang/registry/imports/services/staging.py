"""The checked rows of a file, ready to load: written once by the check, read by the
import. Three streams of tuples (rows, names, identity documents), in the column order
declared here, stored as length-prefixed marshal chunks beside the upload
(``prepared.*``) and deleted with it. The PostgreSQL path copies them into staging
tables with these columns; the portable path builds model instances from them."""

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
# Each chunk is stored as its length, then its marshal bytes: read whole, a chunk loads
# ten times faster than through ``marshal.load`` on the file, which reads it piecemeal.
# Files start with this mark; files without it (checked before the mark existed) are
# plain marshal chunks, still read, so that a batch checked then can be imported now.
_MARK = b"pulang-prepared-2\n"
_SIZE_BYTES = 8


# One chunk of the three streams, each as marshal bytes: made where the rows are checked
# (a worker process), written as they are by the process that keeps the order.
StagedChunk = tuple[bytes, bytes, bytes]


def dump_chunk(rows: list[Row], names: list[Row], identifiers: list[Row]) -> StagedChunk:
    return marshal.dumps(rows), marshal.dumps(names), marshal.dumps(identifiers)


def with_keys(chunk: StagedChunk, keys: dict[int, str]) -> StagedChunk:
    """The chunk with the rows of these lines given these keys."""
    rows = marshal.loads(chunk[0])  # noqa: S302 (our own bytes)
    at = ROW_INDEX["key"]
    rows = [(*r[:at], keys[r[0]], *r[at + 1 :]) if r[0] in keys else r for r in rows]
    return marshal.dumps(rows), chunk[1], chunk[2]


def without_lines(chunk: StagedChunk, lines: set[int]) -> StagedChunk:
    """The chunk without the rows (and their names and documents) of these lines."""
    rows, names, identifiers = (
        [r for r in marshal.loads(blob) if r[0] not in lines]  # noqa: S302 (our own bytes)
        for blob in chunk
    )
    return dump_chunk(rows, names, identifiers)


class PreparedWriter:
    """Appends chunks of checked rows, with their names and documents: chunk *n* of each
    stream holds the same rows."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files = [(folder / f"prepared.{s}").open("wb") for s in STREAMS]
        for file in self._files:
            file.write(_MARK)

    def write(self, chunk: StagedChunk) -> None:
        for file, blob in zip(self._files, chunk, strict=True):
            file.write(len(blob).to_bytes(_SIZE_BYTES, "little") + blob)

    def close(self) -> None:
        for file in self._files:
            file.close()


def read_stream(folder: Path, stream: str) -> Iterator[list[Row]]:
    """The chunks of one stream a :class:`PreparedWriter` wrote (our own file, never an
    upload: marshal is safe here)."""
    with (folder / f"prepared.{stream}").open("rb") as file:
        if file.read(len(_MARK)) != _MARK:
            file.seek(0)
            while True:
                try:
                    old: list[Row] = marshal.load(file)  # noqa: S302
                except EOFError:
                    return
                yield old
        while size := file.read(_SIZE_BYTES):
            chunk: list[Row] = marshal.loads(file.read(int.from_bytes(size, "little")))  # noqa: S302
            yield chunk


def read_chunks(folder: Path) -> Iterator[tuple[list[Row], list[Row], list[Row]]]:
    """The three streams side by side, chunk by chunk."""
    yield from zip(
        read_stream(folder, "rows"),
        read_stream(folder, "names"),
        read_stream(folder, "identifiers"),
        strict=True,
    )
