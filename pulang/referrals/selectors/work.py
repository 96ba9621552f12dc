"""Reads behind the referral pages that are not a side's main list: a case worker's sent
referrals, the returnee's referrals behind their registration code, the types an
assessment points to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from pulang.errors import PermissionDenied
from pulang.referrals.codes import TYPES_FOR_CATEGORY, ServiceType, Status
from pulang.referrals.models import Referral, Service
from pulang.referrals.policies import Capability, can
from pulang.referrals.selectors.referrals import Suggestion, services_suggest
from pulang.registry.selectors import intake_by_reference

if TYPE_CHECKING:
    from pulang.cases.models import Case
    from pulang.orgs.actor import Actor

# Referrals the returnee can rate: the service has started or ended.
RATABLE = (Status.IN_SERVICE, Status.COMPLETED, Status.CLOSED)


def referrals_sent(*, actor: Actor) -> QuerySet[Referral]:
    """The referrals the actor sent, the latest first (their case work list)."""
    if not can(actor, Capability.REFER):
        raise PermissionDenied()
    return (
        Referral.objects.filter(sent_by=actor.user)
        .select_related("service", "provider", "person", "case")
        .order_by("-sent_at", "-pk")
    )


def referrals_to_rate(*, reference_code: str) -> list[Referral] | None:
    """For the returnee with their registration code: the referrals they can still rate
    (``None`` for an unknown code). Only the service and the provider's name are shown."""
    intake = intake_by_reference(reference_code=reference_code)
    if intake is None:
        return None
    if intake.person_id is None:
        return []
    return list(
        Referral.objects.filter(
            person_id=intake.person_id, status__in=RATABLE, satisfaction__isnull=True
        )
        .select_related("service", "provider")
        .order_by("-sent_at", "-pk")
    )


def types_recommended(case: Case) -> list[str]:
    """The directory's service types answering what the case's assessment recommends,
    in the assessment's order (rehabilitation first), each once."""
    assessment = case.assessment
    if assessment is None:
        return []
    found: list[str] = []
    for item in assessment.result.get("recommendations", []):
        for service_type in TYPES_FOR_CATEGORY.get(item.get("service", ""), ()):
            if service_type.value not in found:
                found.append(service_type.value)
    return [t for t in found if t in ServiceType.values]


def suggestion_for(*, actor: Actor, case_id: int, service_id: str) -> Suggestion | None:
    """One service as the suggestions for the case show it (why it fits, or why the
    returnee may not use it); ``None`` when it is not offered where they live."""
    if not service_id.isdigit():
        return None
    found = Service.objects.filter(pk=int(service_id)).values_list("service_type", flat=True)
    if not found:
        return None
    for suggestion in services_suggest(
        actor=actor, case_id=case_id, service_types=[found[0]], limit=100_000
    ):
        if suggestion.service.pk == int(service_id):
            return suggestion
    return None
