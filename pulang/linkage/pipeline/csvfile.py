"""Reading the generic layout (docs/linkage.md) and its truth file, without a database.

    record_id, given_name, family_name, full_name, sex, birth_date, id_number, phone,
    address, area_code

UTF-8 (a byte-order mark is allowed), one header line; every column must be present and
any value may be blank; ``birth_date`` is YYYY-MM-DD. Two optional columns are read when
present: ``birth_date_precision`` (day, month, year, estimated; without it 1 January is
taken as "year only", the usual placeholder) and ``id_verified`` (true/false; without it
an ID number counts as seen on a document, which makes the false-merge figure of
automatic links an upper bound). Names get the registry's matching keys
(``pulang.registry.names.name_keys``).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from pulang.linkage.errors import LinkageInputError
from pulang.linkage.pipeline.frame import RawTables
from pulang.registry.names import name_keys

LAYOUT = (
    "record_id",
    "given_name",
    "family_name",
    "full_name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "area_code",
)
TRUTH_LAYOUT = ("record_id", "cluster_id")
_PRECISIONS = frozenset({"day", "month", "year", "estimated"})
_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f"})
# Names repeat (family names, common given names): key each written form once.
_name_keys = functools.lru_cache(maxsize=1 << 18)(name_keys)
# Problems listed in one error before "and N more".
MAX_LISTED = 20
_CHUNK = 50_000
# A single field of a CSV line may be long (an address), never megabytes.
csv.field_size_limit(1 << 20)


class CsvRecords:
    """The records of one generic-layout file: raw tables for :func:`frame.prepare` and
    the mapping from the file's ``record_id`` to the integer id used inside."""

    def __init__(self, raw: RawTables, ids: dict[str, int]) -> None:
        self.raw = raw
        self.ids = ids


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise LinkageInputError(
            _("%(file)s cannot be read: %(reason)s"), file=path.name, reason=exc.strerror or ""
        ) from exc


def _rows(path: Path, layout: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line; checks the header first."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _unreadable(path, 1, exc) from exc
        if header is None or not any(cell.strip() for cell in header):
            raise LinkageInputError(
                _("%(file)s is empty: it needs a header line with the columns %(columns)s."),
                file=path.name,
                columns=", ".join(layout),
            )
        names = [cell.strip().lower() for cell in header]
        missing = [column for column in layout if column not in names]
        if missing:
            raise LinkageInputError(
                _("%(file)s has no column %(columns)s (the header must name %(layout)s)."),
                file=path.name,
                columns=", ".join(missing),
                layout=", ".join(layout),
            )
        index = {name: names.index(name) for name in names}
        line = 1
        try:
            for cells in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                yield (
                    line,
                    {
                        name: cells[at].strip() if at < len(cells) else ""
                        for name, at in index.items()
                    },
                )
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _unreadable(path, line + 1, exc) from exc


def _first_undecodable_line(path: Path) -> int:
    """The text decoder reads ahead, so its error does not say which line: find it."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _unreadable(path: Path, line: int, exc: Exception) -> LinkageInputError:
    if isinstance(exc, UnicodeDecodeError):
        return LinkageInputError(
            _("%(file)s, line %(line)s: the file is not UTF-8 text."),
            file=path.name,
            line=_first_undecodable_line(path),
        )
    return LinkageInputError(
        _("%(file)s, line %(line)s: not valid CSV (%(reason)s)."),
        file=path.name,
        line=line,
        reason=str(exc),
    )


def _problems(path: Path, problems: list[str]) -> LinkageInputError:
    listed = "; ".join(problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    if more > 0:
        return LinkageInputError(
            _("%(file)s: %(problems)s; and %(more)s more."),
            file=path.name,
            problems=listed,
            more=more,
        )
    return LinkageInputError(_("%(file)s: %(problems)s."), file=path.name, problems=listed)


def _sex(text: str) -> str | None:
    first = text[:1].upper()
    return first if first in {"F", "M"} else None


def _area_top(code: str) -> str:
    """The province of an area code: the first part of a dotted code (Indonesian
    "35.07.13.2001" → "35"); an ISO 3166-2 or other code stands for itself."""
    return code.split(".", 1)[0] if "." in code else code


def read_records(path: Path) -> CsvRecords:
    """Read a generic-layout file; a specific error names the column or the lines."""
    raw = RawTables()
    ids: dict[str, int] = {}
    problems: list[str] = []
    records: list[tuple[object, ...]] = []
    names: list[tuple[object, ...]] = []
    numbers: list[tuple[object, ...]] = []
    for line, row in _rows(path, LAYOUT):
        record_id = row["record_id"]
        if not record_id:
            problems.append(_("line %(line)s: record_id is blank") % {"line": line})
            continue
        if record_id in ids:
            problems.append(
                _("line %(line)s: record_id %(id)s appears twice") % {"line": line, "id": record_id}
            )
            continue
        birth: dt.date | None = None
        if row["birth_date"]:
            try:
                birth = dt.date.fromisoformat(row["birth_date"])
            except ValueError:
                problems.append(
                    _("line %(line)s: birth_date %(value)s is not a date written YYYY-MM-DD")
                    % {"line": line, "value": row["birth_date"][:40]}
                )
                continue
        precision = row.get("birth_date_precision", "").lower()
        if precision not in _PRECISIONS:
            precision = (
                "year" if birth is not None and (birth.month, birth.day) == (1, 1) else "day"
            )
        verified_text = row.get("id_verified", "true").lower()
        if verified_text and verified_text not in _TRUE | _FALSE:
            problems.append(_("line %(line)s: id_verified must be true or false") % {"line": line})
            continue
        pk = len(ids) + 1
        ids[record_id] = pk
        area = row["area_code"]
        records.append(
            (
                pk,
                _sex(row["sex"]),
                birth,
                precision,
                row["phone"],
                row["address"],
                area,
                _area_top(area),
                False,
                True,
            )
        )
        written = row["full_name"] or " ".join(
            part for part in (row["given_name"], row["family_name"]) if part
        )
        keys = _name_keys(written)
        if keys.folded:
            names.append((pk, 0, keys.folded, keys.sorted_tokens, keys.phonetic))
        if row["id_number"]:
            numbers.append((pk, row["id_number"], verified_text in _TRUE or verified_text == ""))
        if len(records) >= _CHUNK:
            raw.add_records(records)
            raw.add_names(names)
            raw.add_identifiers(numbers)
            records, names, numbers = [], [], []
    if problems:
        raise _problems(path, problems)
    raw.add_records(records)
    raw.add_names(names)
    raw.add_identifiers(numbers)
    return CsvRecords(raw, ids)


def read_truth(path: Path, ids: dict[str, int]) -> dict[int, str]:
    """Internal record id → cluster id. Records the truth file does not name are taken to
    be people seen once; a truth line naming a record the input does not have is an error."""
    truth: dict[int, str] = {}
    problems: list[str] = []
    for line, row in _rows(path, TRUTH_LAYOUT):
        record_id, cluster = row["record_id"], row["cluster_id"]
        pk = ids.get(record_id)
        if pk is None:
            problems.append(
                _("line %(line)s: record_id %(id)s is not in the input file")
                % {"line": line, "id": record_id[:40]}
            )
        elif not cluster:
            problems.append(_("line %(line)s: cluster_id is blank") % {"line": line})
        elif pk in truth:
            problems.append(
                _("line %(line)s: record_id %(id)s appears twice") % {"line": line, "id": record_id}
            )
        else:
            truth[pk] = cluster
    if problems:
        raise _problems(path, problems)
    return truth
