"""Who may do what in the directory and the referral network.

- Providers keep their own entries (``MANAGE_ENTRIES`` on services of their own
  organisation); a supervisor or administrator whose jurisdiction covers the provider
  approves each change before the public sees it (``APPROVE_ENTRIES``).
- Case workers refer from the cases they may work (the cases app's rule); without a
  recorded referral-sharing consent only a supervisor may send, with a written reason
  (``OVERRIDE_CONSENT``, audited).
- The provider side of a referral is the provider organisation's own members
  (``RESPOND``): they see what the referral shares, never the case, and nothing more of
  a referral once they have declined it.
- Figures (``VIEW_FIGURES``) are aggregates over the actor's jurisdiction; a provider's
  own figures are its own referrals.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pulang.orgs.models import GOVERNMENT_OFFICE_KINDS, Role
from pulang.orgs.policies import may_act_on_organisation, role_allows
from pulang.referrals.codes import EntryStatus, Status

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.orgs.models import Organisation
    from pulang.referrals.models import Referral, Service


class Capability(enum.StrEnum):
    # See the whole directory, unpublished entries of one's own organisation included.
    VIEW_DIRECTORY = "referrals.view_directory"
    MANAGE_ENTRIES = "referrals.manage_entries"
    APPROVE_ENTRIES = "referrals.approve_entries"
    REFER = "referrals.refer"
    OVERRIDE_CONSENT = "referrals.override_consent"
    RESPOND = "referrals.respond"
    VIEW_FIGURES = "referrals.view_figures"


_STAFF = frozenset({Capability.VIEW_DIRECTORY})
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CASE_WORKER: _STAFF | {Capability.REFER, Capability.RESPOND, Capability.MANAGE_ENTRIES},
    Role.CONSULAR_OFFICER: _STAFF | {Capability.REFER},
    Role.SUPERVISOR: _STAFF
    | {
        Capability.REFER,
        Capability.OVERRIDE_CONSENT,
        Capability.RESPOND,
        Capability.MANAGE_ENTRIES,
        Capability.APPROVE_ENTRIES,
        Capability.VIEW_FIGURES,
    },
    Role.ADMINISTRATOR: _STAFF
    | {Capability.APPROVE_ENTRIES, Capability.MANAGE_ENTRIES, Capability.VIEW_FIGURES},
    Role.PROVIDER_STAFF: _STAFF
    | {Capability.RESPOND, Capability.MANAGE_ENTRIES, Capability.VIEW_FIGURES},
    Role.ANALYST: _STAFF | {Capability.VIEW_FIGURES},
    Role.AUDITOR: _STAFF | {Capability.VIEW_FIGURES},
}


def can(actor: Actor | None, capability: Capability) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, capability)


def is_provider_side(actor: Actor) -> bool:
    """Provider staff see only their own organisation's referrals and figures."""
    return actor.role == Role.PROVIDER_STAFF


def may_manage_entry(actor: Actor, provider: Organisation) -> bool:
    """Members keep the entries of their own organisation."""
    return can(actor, Capability.MANAGE_ENTRIES) and actor.organisation.pk == provider.pk


def may_approve_entry(actor: Actor, provider: Organisation) -> bool:
    """Supervisors and administrators of a government office whose jurisdiction covers
    the provider — never for their own organisation's entries (four eyes)."""
    return (
        can(actor, Capability.APPROVE_ENTRIES)
        and actor.organisation.kind in GOVERNMENT_OFFICE_KINDS
        and actor.organisation.pk != provider.pk
        and may_act_on_organisation(actor, provider)
    )


def may_respond(actor: Actor, referral: Referral) -> bool:
    """The provider's own members, while the referral is theirs to see: a declined one
    is no longer theirs, nor one whose consent the returnee withdrew."""
    return (
        can(actor, Capability.RESPOND)
        and actor.organisation.pk == referral.provider_id
        and referral.status != Status.DECLINED
        and not referral.details_withdrawn
    )


def may_offer(service: Service) -> bool:
    """A service can receive referrals once published."""
    return service.status == EntryStatus.PUBLISHED
