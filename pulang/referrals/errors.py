"""Refusals specific to the directory and referrals (the shared ones are in
``pulang.errors``)."""

from django.utils.translation import gettext_lazy as _

from pulang.errors import Conflict, DomainError, PermissionDenied

# --- referrals ----------------------------------------------------------------------------


class ConsentMissing(DomainError):
    code = "referrals.consent_missing"
    status = 422
    message = _(
        "The returnee has not agreed to share their details with service providers. "
        "Record their consent first, or ask a supervisor to send the referral with a "
        "written reason."
    )


class StepNotAllowed(DomainError):
    code = "referrals.step_not_allowed"
    status = 409
    message = _('The referral is "%(status)s": "%(step)s" is not possible from there.')


class StaleReferral(Conflict):
    code = "referrals.stale_referral"
    message = _(
        "Someone else changed this referral after you opened it. Nothing was saved: reload "
        "it to see their change, then try again."
    )


class ServiceNotOffered(DomainError):
    code = "referrals.service_not_offered"
    status = 409
    message = _("This service is not in the directory any more: choose another one.")


class AlreadyReferred(DomainError):
    code = "referrals.already_referred"
    status = 409
    message = _("This returnee already has an open referral to this service.")


# --- the directory ------------------------------------------------------------------------


class StaleEntry(Conflict):
    code = "referrals.stale_entry"
    message = _(
        "Someone else changed this service entry after you opened it. Nothing was saved: "
        "reload it to see their change, then try again."
    )


class ChangeNotPending(DomainError):
    code = "referrals.change_not_pending"
    status = 409
    message = _(
        "This proposal is no longer waiting for approval: it was decided, replaced by a "
        "newer one or withdrawn."
    )


class EntryWithdrawn(DomainError):
    code = "referrals.entry_withdrawn"
    status = 409
    message = _("This service has already been taken off the directory.")


class OwnEntry(PermissionDenied):
    code = "referrals.own_entry"
    message = _(
        "Entries of your own organisation are approved by another office, never by yourselves."
    )
