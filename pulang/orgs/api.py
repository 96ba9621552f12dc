from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Query, Router, Schema

from pulang.orgs.actor import Actor
from pulang.orgs.selectors import organisation_get_for_actor, organisation_list

if TYPE_CHECKING:
    from pulang.orgs.models import Organisation

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    country: str
    area_code: str | None
    area_name: str | None
    destination_country: str | None

    @staticmethod
    def of(organisation: Organisation) -> OrganisationOut:
        area = organisation.area
        return OrganisationOut(
            id=organisation.pk,
            name=organisation.name,
            kind=organisation.kind,
            country=organisation.country_id,
            area_code=area.code if area else None,
            area_name=area.name if area else None,
            destination_country=organisation.destination_country_id,
        )


class OrganisationFilter(Schema):
    q: str = ""
    kind: str = ""
    offset: int = 0
    limit: int = 50


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_offset: int | None


@router.get("/organisations", response=OrganisationPage)
def list_organisations(
    request: HttpRequest, filters: Query[OrganisationFilter]
) -> OrganisationPage:
    """Organisations within the caller's scope."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    limit = max(1, min(filters.limit, 200))
    offset = max(0, filters.offset)
    rows = list(
        organisation_list(actor=actor, kind=filters.kind, query=filters.q)[
            offset : offset + limit + 1
        ]
    )
    return OrganisationPage(
        items=[OrganisationOut.of(o) for o in rows[:limit]],
        next_offset=offset + limit if len(rows) > limit else None,
    )


@router.get("/organisations/{organisation_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, organisation_id: int) -> OrganisationOut:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return OrganisationOut.of(
        organisation_get_for_actor(actor=actor, organisation_id=organisation_id)
    )
