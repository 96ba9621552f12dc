from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Router, Schema

from pulang.geo.selectors import area_ancestors, area_children, area_get

if TYPE_CHECKING:
    from pulang.geo.models import AdminArea

router = Router(tags=["areas"])


class AreaOut(Schema):
    country: str
    code: str
    level: int
    name: str
    parent_code: str | None
    local_names: dict[str, str]

    @staticmethod
    def of(area: AdminArea, parent_code: str | None) -> AreaOut:
        return AreaOut(
            country=area.country_id,
            code=area.code,
            level=area.level,
            name=area.name,
            parent_code=parent_code,
            local_names=area.local_names,
        )


class AreaDetailOut(AreaOut):
    ancestors: list[AreaOut]


@router.get("/{country}/areas", response=list[AreaOut])
def children(request: HttpRequest, country: str, parent: str = "") -> list[AreaOut]:
    """Provinces of a country, or the areas directly under ``parent``."""
    return [
        AreaOut.of(a, parent or None)
        for a in area_children(country_code=country, parent_code=parent)
    ]


@router.get("/{country}/areas/{code}", response=AreaDetailOut)
def detail(request: HttpRequest, country: str, code: str) -> AreaDetailOut:
    area = area_get(country_code=country, code=code)
    chain = area_ancestors(area=area)
    ancestors = [AreaOut.of(a, chain[i - 1].code if i else None) for i, a in enumerate(chain)]
    return AreaDetailOut(
        **AreaOut.of(area, area.parent.code if area.parent else None).dict(), ancestors=ancestors
    )
