"""Building directory entries for the tests of the directory: an entry as a provider
states it, the reference languages it names, another provider elsewhere."""

from __future__ import annotations

from typing import Any

from pulang.orgs.actor import Actor
from pulang.orgs.models import Organisation, OrganisationKind, Role
from pulang.orgs.services import organisation_create
from pulang.reference.models import Language
from pulang.referrals.inputs import EntryInput
from pulang.referrals.models import ServiceChange
from pulang.referrals.services.directory import service_change_decide, service_propose
from tests.factories import World, person

TEXTS = {
    "id": {
        "name": "Konseling keluarga purna migran",
        "description": "Konseling gratis bagi pekerja migran yang pulang dan keluarganya.",
        "how_to_apply": "Telepon dulu, lalu datang ke kantor kami.",
        "hours": "Senin sampai Jumat, 08.00 sampai 15.00",
    },
    "en": {
        "name": "Family counselling for returnees",
        "description": "Free counselling for returned migrant workers and their families.",
        "how_to_apply": "Call first, then come to our office.",
        "hours": "Monday to Friday, 8:00 to 15:00",
    },
}


def languages() -> None:
    Language.objects.bulk_create(
        [
            Language(code="id", name="Indonesian", is_regional=True),
            Language(code="en", name="English", is_regional=True),
            Language(code="jv", name="Javanese", is_regional=True),
            Language(code="mad", name="Madurese", is_regional=True),
            Language(code="ar", name="Arabic", is_regional=False),
        ],
        ignore_conflicts=True,
    )


def entry(**changes: Any) -> EntryInput:
    fields: dict[str, Any] = {
        "provider_kind": "ngo",
        "service_type": "counselling",
        "texts": TEXTS,
        "areas": ("35.07",),
        "languages": ("id", "jv"),
        "phone": "0341 123456",
        "address": "Jl. Raya Kepanjen 10, Malang",
        **changes,
    }
    return EntryInput(**fields)


def other_provider(world: World) -> Organisation:
    return organisation_create(
        actor=None,
        name="Lombok legal aid",
        kind=OrganisationKind.SERVICE_PROVIDER,
        country=world.indonesia,
        area=world.lombok_timur,
    )


def other_provider_staff(world: World) -> Actor:
    return person(other_provider(world), Role.PROVIDER_STAFF, username="other_provider_staff")


def published(keeper: Actor, approver: Actor, **changes: Any) -> ServiceChange:
    """An entry proposed by ``keeper`` and approved by ``approver``."""
    change = service_propose(actor=keeper, entry=entry(**changes))
    return service_change_decide(actor=approver, change_id=change.pk, approve=True)
