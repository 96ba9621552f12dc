"""Typed errors of bulk imports; their messages never quote row contents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pulang.errors import DomainError


class ImportFileUnreadable(DomainError):
    """The file cannot be read at all (type, encoding, header): nothing was checked."""

    code = "registry.import_file_unreadable"
    status = 422
    message = _("This file cannot be read.")


class ImportMappingIncomplete(DomainError):
    """A required field has no column and no default, or a mapped column is missing."""

    code = "registry.import_mapping_incomplete"
    status = 422
    message = _("Some required fields have no column in this file.")

    def __init__(self, *, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


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
