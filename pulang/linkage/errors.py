"""Errors of the linkage app, with stable codes (``linkage.<reason>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pulang.errors import Conflict, DomainError


class LinkageInputError(DomainError):
    """An input file (generic layout or truth) cannot be used; the message names the file,
    the column or the lines, and nothing has been done."""

    code = "linkage.invalid_input"
    status = 422
    message = _("The input file cannot be used.")


class LinkageRunFailed(DomainError):
    """A linkage run stopped; the registry and the review queue are as they were."""

    code = "linkage.run_failed"
    status = 500
    message = _("The linkage run failed; nothing was changed.")


class UnknownBatch(DomainError):
    code = "linkage.unknown_batch"
    status = 404
    message = _("There is no import batch %(id)s.")


class BatchNotImported(DomainError):
    code = "linkage.batch_not_imported"
    status = 409
    message = _("Import batch %(id)s has not been imported: there is nothing to link yet.")


class NoMatchModel(DomainError):
    code = "linkage.no_model"
    status = 409
    message = _("No trained match model yet: link the whole registry first, which trains one.")


class RunNotRunnable(DomainError):
    code = "linkage.run_not_runnable"
    status = 409
    message = _("This linkage run has already started or finished.")


class PairAlreadyDecided(Conflict):
    """Someone decided the pair (or a run linked it) since it was opened."""

    code = "linkage.pair_already_decided"
    message = _("This pair has already been decided.")
