"""Reading CSV and Excel files row by row, in constant memory, with the line number of
every row as a spreadsheet shows it (the header is line 1)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from pulang.registry.imports.errors import ImportFileUnreadable
from pulang.registry.imports.models import FileKind

Cell = str | dt.date
# Encodings a CSV may declare (the source's "encoding" default); each keeps "\n" as a byte.
ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "ISO-8859-1"}
_DELIMITERS = (",", ";", "\t", "|")
_XLSX_MAGIC = b"PK\x03\x04"


def kind_of(file_name: str, head: bytes) -> FileKind:
    """The kind of an uploaded file, from its name and its first bytes."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        if not head.startswith(_XLSX_MAGIC):
            raise ImportFileUnreadable(_("This is not an Excel workbook (.xlsx)."))
        return FileKind.XLSX
    if name.endswith((".csv", ".txt")):
        if head.startswith(_XLSX_MAGIC):
            raise ImportFileUnreadable(
                _("This file is an Excel workbook: give it the .xlsx extension.")
            )
        return FileKind.CSV
    raise ImportFileUnreadable(_("Upload a .csv or .xlsx file."))


def clean_header(header: object) -> str:
    return " ".join(str(header if header is not None else "").split())


def header_key(header: str) -> str:
    """Headers match whatever their case and spacing."""
    return clean_header(header).casefold()


@dataclass
class Progress:
    """How far through the file the reader is: done out of total (bytes or rows)."""

    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


class TableReader:
    """The header and the rows of a file. ``rows()`` yields ``(line, cells)`` with cells
    padded to the header's length; a problem with the file as a whole raises
    :class:`ImportFileUnreadable`, naming the line."""

    def __init__(self, path: Path, kind: str, *, encoding: str = "utf-8") -> None:
        self.path = path
        self.kind = kind
        self.encoding = encoding if encoding in ENCODINGS else "utf-8"
        self.progress = Progress()
        self.headers: list[str] = []
        self.too_long: list[int] = []

    def read_headers(self) -> list[str]:
        for _line, _cells in self._rows(headers_only=True):
            break
        return self.headers

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        return self._rows(headers_only=False)

    def _rows(self, *, headers_only: bool) -> Iterator[tuple[int, list[Cell]]]:
        source = self._csv_rows() if self.kind == FileKind.CSV else self._xlsx_rows()
        first = True
        width = 0
        for line, cells in source:
            if first:
                first = False
                self.headers = [clean_header(c) for c in cells]
                while self.headers and not self.headers[-1]:
                    self.headers.pop()
                width = len(self.headers)
                _check_headers(self.headers)
                if headers_only:
                    return
                continue
            if not any(c != "" for c in cells):
                continue  # blank lines carry nothing
            if len(cells) > width:
                if any(c != "" for c in cells[width:]):
                    self.too_long.append(line)
                cells = cells[:width]
            elif len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            yield line, cells
        if first:
            raise ImportFileUnreadable(_("The file is empty."))

    def _csv_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        size = self.path.stat().st_size
        self.progress.total = size
        with self.path.open("rb") as raw:
            lines = _DecodedLines(raw, self.encoding, self.progress)
            first = lines.peek_first()
            delimiter = max(_DELIMITERS, key=first.count)
            # Strict: a quote opened and never closed is an error on its line, not a cell
            # that swallows every row after it.
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            start = 1
            try:
                for cells in reader:
                    # A quoted cell may run over several lines: a row starts after the last.
                    yield start, [c.strip() for c in cells]
                    start = reader.line_num + 1
            except csv.Error as error:
                raise ImportFileUnreadable(
                    _("Line %(line)s cannot be read as CSV (a quote is not closed?).")
                    % {"line": start},
                    line=start,
                ) from error

    def _xlsx_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # not a zip, no workbook inside, broken XML, …
            raise ImportFileUnreadable(_("This is not an Excel workbook (.xlsx).")) from error
        line = 0
        try:
            sheet = workbook.worksheets[0]
            self.progress.total = sheet.max_row or 0
            rows = sheet.iter_rows(values_only=True)
            while True:
                try:
                    values = next(rows)
                except StopIteration:
                    break
                except Exception as error:  # a damaged sheet: broken XML, a cut archive
                    raise ImportFileUnreadable(
                        _("This workbook is damaged after line %(line)s: save it again.")
                        % {"line": line},
                        line=line + 1,
                    ) from error
                line += 1
                self.progress.done = line
                yield line, [_cell(v) for v in values]
        finally:
            workbook.close()


class _DecodedLines:
    """Lines of a text file decoded one by one, so that a byte the encoding cannot hold
    is reported on its own line."""

    def __init__(self, raw: BinaryIO, encoding: str, progress: Progress) -> None:
        self.raw = raw
        self.encoding = encoding
        self.progress = progress
        self.number = 0
        self._first: str | None = None

    def _decode(self, data: bytes) -> str:
        self.number += 1
        self.progress.done += len(data)
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as error:
            raise ImportFileUnreadable(
                _(
                    "Line %(line)s is not in the %(encoding)s encoding. Save the file as "
                    "“CSV UTF-8” and upload it again."
                )
                % {"line": self.number, "encoding": ENCODINGS[self.encoding]},
                line=self.number,
            ) from error
        if self.number == 1:
            text = text.removeprefix("\ufeff")
        if "\x00" in text:
            raise ImportFileUnreadable(
                _("Line %(line)s holds binary data: this is not a CSV text file.")
                % {"line": self.number},
                line=self.number,
            )
        return text

    def peek_first(self) -> str:
        data = self.raw.readline()
        self._first = self._decode(data)
        return self._first

    def __iter__(self) -> Iterator[str]:
        if self._first is not None:
            yield self._first
        for data in self.raw:
            yield self._decode(data)


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_headers(headers: list[str]) -> None:
    if not headers or not any(headers):
        raise ImportFileUnreadable(_("The first line must hold the column headers."), line=1)
    seen: set[str] = set()
    for header in headers:
        key = header_key(header)
        if key and key in seen:
            raise ImportFileUnreadable(
                _("Two columns have the same header “%(header)s”.") % {"header": header}, line=1
            )
        seen.add(key)
