from django.utils.translation import gettext_lazy as _

from pulang.errors import Conflict, DomainError


class PossibleDuplicates(DomainError):
    """People already registered may be this person: the caller decides (link or create)."""

    code = "registry.possible_duplicates"
    status = 409
    message = _(
        "This person may already be registered. Link the report to one of the people found, "
        "or confirm that it is someone new."
    )


class StaleRecord(Conflict):
    code = "registry.stale_record"


class IntakeAlreadyDecided(DomainError):
    code = "registry.intake_already_decided"
    status = 409
    message = _("This report has already been dealt with.")
