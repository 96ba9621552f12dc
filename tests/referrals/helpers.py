"""Building the directory for the tests: a published service of a provider, offered in
some areas (or the whole country), written straight to the database as fixture data."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pulang.geo.models import AdminArea
from pulang.orgs.models import Organisation
from pulang.referrals.codes import GROUP_OF, EntryStatus, ProviderKind, ServiceType
from pulang.referrals.models import Service, ServiceArea


def published_service(
    provider: Organisation,
    service_type: ServiceType = ServiceType.COUNSELLING,
    areas: list[AdminArea] | tuple[AdminArea, ...] = (),
    *,
    name: str = "Konseling bagi pekerja migran purna",
    english: str = "Counselling for returned migrant workers",
    **fields: Any,
) -> Service:
    now = timezone.now()
    service = Service.objects.create(
        provider=provider,
        provider_kind=fields.pop("provider_kind", ProviderKind.NGO),
        service_type=service_type,
        group=GROUP_OF[service_type],
        name=name,
        texts={
            "id": {
                "name": name,
                "description": "Konseling gratis, tatap muka atau lewat telepon.",
                "how_to_apply": "Datang ke kantor kami atau telepon dulu.",
                "hours": "Senin sampai Jumat, 08.00 sampai 16.00",
            },
            "en": {
                "name": english,
                "description": "Free counselling, in person or by phone.",
                "how_to_apply": "Come to our office or call first.",
                "hours": "Monday to Friday, 8:00 to 16:00",
            },
        },
        status=EntryStatus.PUBLISHED,
        created_at=now,
        updated_at=now,
        published_at=now,
        **fields,
    )
    ServiceArea.objects.bulk_create([ServiceArea(service=service, area=a) for a in areas])
    return service


def self_registered_case(officer: Any) -> tuple[Any, str, Service]:
    """Sri registers herself on the public page (consenting to referrals), the village
    office registers her and opens her case; a counselling service covers her village.
    Answers (case, registration code, service)."""
    from django.test import Client
    from django.urls import reverse

    from pulang.cases.services import case_open
    from pulang.orgs.models import Organisation
    from pulang.registry.models import IntakeRecord
    from pulang.registry.services import intake_decide
    from tests.registry.helpers import occupation

    occupation()
    form = {
        "full_name": "Sri Wahyuni",
        "sex": "F",
        "birth_date": "1990-04-04",
        "phone": "081298765432",
        "province": "ID-JI",
        "home_area": "35.07.13.2001",
        "destination_country": "MY",
        "job_title": "pembantu rumah tangga",
        "returned_on": "2025-06-01",
        "reason": "end_of_contract",
        "consents": ["case_management", "referral_sharing"],
        "action": "send",
    }
    Client().post(reverse("registry:self_register"), form)
    intake = IntakeRecord.objects.get(channel="self")
    person = intake_decide(actor=officer, intake_id=intake.pk, on_match="create").person
    assert person is not None
    case = case_open(
        actor=officer, person_id=person.pk, priority="medium", reason="asked for counselling"
    )
    provider = Organisation.objects.get(name="Malang counselling NGO")
    malang = AdminArea.objects.get(code="35.07")
    return case, intake.reference_code, published_service(provider, areas=[malang])
