"""How an import is shown, the same on the pages and through the API: the problem report
as CSV, and what a batch's state means in words."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pulang.registry.imports.errors import ImportNothingNew
from pulang.registry.imports.models import ImportBatch

Status = ImportBatch.Status


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(cell: object) -> object:
    # A spreadsheet would run a cell starting with these as a formula.
    text = str(cell)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell


def error_report_lines(rows: Iterable[tuple[int, str, str]]) -> Iterator[str]:
    """The problem report as CSV lines (``line,column,reason``), with a byte-order mark so
    that Excel reads it as UTF-8, and no cell a spreadsheet would run as a formula."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + str(writer.writerow([_("line"), _("column"), _("reason")]))
    for line, column, reason in rows:
        yield str(writer.writerow([line, _safe(column), _safe(reason)]))


def error_report_file_name(batch_id: int) -> str:
    return f"import-{batch_id}-problems.csv"


def batch_message(batch: ImportBatch, *, stalled: bool) -> str:
    """One or two sentences saying where the batch stands and what happens next,
    including when its rows (or the file) were imported before."""
    if stalled:
        return _(
            "This work stopped without finishing (the background worker may have been "
            "stopped). Nothing was written. Check the file again to start over."
        )
    if batch.status == Status.UPLOADED:
        return _("Tell Pulang which column holds what, then the file is checked.")
    if batch.status == Status.CHECKING:
        return _("Checking every row…")
    if batch.status == Status.IMPORTING:
        return _("Writing to the registry…")
    if batch.status == Status.FAILED:
        return batch.failure or _("The work failed; nothing was written.")
    if batch.status == Status.ABANDONED:
        return _("The file has been deleted; nothing was imported.")
    if batch.status == Status.CHECKED:
        return _checked_message(batch)
    return _done_message(batch)


def _before(count: int) -> str:
    return ngettext(
        "%(count)s row was imported before and is left out.",
        "%(count)s rows were imported before and are left out.",
        count,
    ) % {"count": count}


def _checked_message(batch: ImportBatch) -> str:
    if batch.invalid:
        return ngettext(
            "%(counter)s row has errors. Correct the file and upload it again: nothing is "
            "imported while a row has errors.",
            "%(counter)s rows have errors. Correct the file and upload it again: nothing is "
            "imported while a row has errors.",
            batch.invalid,
        ) % {"counter": batch.invalid}
    to_write = batch.to_write
    if not to_write and batch.rows == 0:
        return _("This file has no rows under its header: there is nothing to import.")
    if not to_write and batch.skipped_filtered == batch.rows:
        return _(
            "Every row of this file is about someone of another nationality, which this "
            "kind of file leaves out: there is nothing to import."
        )
    if not to_write:
        return ImportNothingNew().text
    ready = ngettext(
        "%(count)s row is ready to import.", "%(count)s rows are ready to import.", to_write
    ) % {"count": to_write}
    if batch.skipped_already_imported:
        return f"{ready} {_before(batch.skipped_already_imported)}"
    return ready


def _done_message(batch: ImportBatch) -> str:
    parts = [
        ngettext("%(counter)s person registered.", "%(counter)s people registered.", batch.created)
        % {"counter": batch.created},
        ngettext(
            "%(counter)s report added to a person already registered.",
            "%(counter)s reports added to people already registered.",
            batch.linked,
        )
        % {"counter": batch.linked},
    ]
    if batch.skipped_already_imported:
        parts.append(_before(batch.skipped_already_imported))
    return " ".join(parts)
