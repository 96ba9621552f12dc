"""The person's referrals, for the copy of everything held (``registry.held_elsewhere``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pulang.referrals.models import Referral
from pulang.registry.held_elsewhere import row_of

if TYPE_CHECKING:
    from pulang.registry.models import Person


def referrals_held(person: Person) -> list[dict[str, Any]]:
    """Each referral with what was shared with the provider, what they answered, the
    returnee's feedback and every step taken."""
    referrals = Referral.objects.filter(person=person).order_by("pk").prefetch_related("events")
    return [
        {
            **row_of(referral, leave_out=("person",)),
            "events": [row_of(e, leave_out=("referral",)) for e in referral.events.all()],
        }
        for referral in referrals
    ]
