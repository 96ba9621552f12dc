from django.utils.translation import gettext_lazy as _

from pulang.errors import Conflict, DomainError, NotFound


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


class IdempotencyKeyReused(DomainError):
    """A key sent again with another report: the first report stands, this one is refused."""

    code = "registry.idempotency_key_reused"
    status = 422
    message = _(
        "This idempotency key was sent before with a different report. Send a new key for "
        "a new report; a report sent again must be sent unchanged."
    )


class PersonMerged(NotFound):
    """The record was merged into another: raised only to those who may see that one."""

    code = "registry.person_merged"
    message = _("This record has been merged into record %(survivor)s.")

    def __init__(self, *, survivor: int) -> None:
        super().__init__(survivor=survivor)
        self.survivor_id = survivor


class MergeHasDependants(Conflict):
    code = "registry.merge_has_dependants"
    message = _(
        "Since the merge, records were added to this person that use what came from the "
        "other record (a case on its return, a referral of its case). Undoing the merge "
        "would leave them pointing at another person: nothing has been changed."
    )


class AlreadyMerged(Conflict):
    code = "registry.already_merged"
    message = _("Record %(person)s has already been merged into another record.")


class MergeAlreadyUndone(Conflict):
    code = "registry.merge_already_undone"
    message = _("This merge has already been undone.")


class LaterMergeFirst(Conflict):
    """Merges are undone newest first, one record at a time."""

    code = "registry.later_merge_first"
    message = _(
        "One of these records has been merged again since (merge %(later)s): undo that merge first."
    )


class MergeNotReversible(Conflict):
    code = "registry.merge_not_reversible"
    message = _(
        "Some of what this merge moved is no longer where the merge put it, so it cannot "
        "be undone exactly. Nothing has been changed."
    )
