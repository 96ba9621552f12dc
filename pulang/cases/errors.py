"""Refusals specific to cases (the shared ones are in ``pulang.errors``)."""

from django.utils.translation import gettext_lazy as _

from pulang.errors import Conflict, DomainError


class TransitionNotAllowed(DomainError):
    code = "cases.transition_not_allowed"
    status = 409
    message = _('The case is "%(status)s": "%(transition)s" is not possible from there.')


class StaleCase(Conflict):
    code = "cases.stale_case"
    message = _(
        "Someone else changed this case after you opened it. Nothing was saved: reload the "
        "case to see their change, then try again."
    )


class CaseAlreadyOpen(DomainError):
    code = "cases.already_open"
    status = 409
    message = _("A case is already open for this return. Add to that case instead.")
