"""Typed errors of bulk imports; their messages never quote row contents."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pulang.errors import DomainError


class ImportFileUnreadable(DomainError):
    """The file cannot be read at all (type, encoding, header): nothing was checked."""

    code = "registry.import_file_unreadable"
    status = 422
    message = _("This file cannot be read.")

    def __init__(self, message: str | Promise | None = None, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        # The API lists it on the field ``file``, with the line when one is to blame.
        where: dict[str, Any] = (
            {"field": "file"} if line is None else {"field": "file", "line": line}
        )
        self.errors = [{**where, "reason": self.text}]


class ImportMappingIncomplete(DomainError):
    """A required field has no column and no default, or a mapped column is missing."""

    code = "registry.import_mapping_incomplete"
    status = 422
    message = _("Some required fields have no column in this file.")

    def __init__(self, *, problems: list[str], fields: list[str] | None = None) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems
        # The target field each problem is about, when known: the API lists them by field.
        self.errors = [
            {"field": name, "reason": problem}
            for name, problem in zip(fields or [], problems, strict=False)
        ]

    @classmethod
    def by_field(cls, problems: list[tuple[str, str]]) -> ImportMappingIncomplete:
        return cls(problems=[p for _f, p in problems], fields=[f for f, _p in problems])


class ImportAlreadyDone(DomainError):
    code = "registry.import_already_done"
    status = 409
    message = _("This file was already imported on %(date)s: nothing new.")


class ImportWrongState(DomainError):
    code = "registry.import_wrong_state"
    status = 409
    message = _("This import cannot do that now: it is “%(status)s”.")


class ImportHasErrors(DomainError):
    code = "registry.import_has_errors"
    status = 422
    message = _(
        "%(count)s rows have errors. Correct them in the file and upload it again: "
        "nothing has been imported."
    )


class ImportNothingNew(DomainError):
    code = "registry.import_nothing_new"
    status = 409
    message = _("Every row of this file was imported before: there is nothing new to import.")


class ImportOutOfReach(DomainError):
    """Rows would add to a registered person the importer may not act on (the registry
    changed since the check, which reports such rows on their lines)."""

    code = "registry.import_out_of_reach"
    status = 409
    message = _(
        "Some rows now belong to people registered outside your area of work. Check the "
        "file again to see which: nothing has been imported."
    )
