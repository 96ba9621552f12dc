"""Where a service is offered: the one rule the directory, the suggestions and the gaps
share. A service covers an area when it is offered in that area or in one enclosing it
(a province's service covers its villages), or in the whole country."""

from __future__ import annotations

from django.db.models import Q

from pulang.geo.models import AdminArea
from pulang.referrals.models import ServiceArea


def enclosing_paths(area: AdminArea) -> list[str]:
    """The paths of ``area`` and of every area that contains it, country first."""
    segments = area.path.rstrip("/").split("/")
    return ["/".join(segments[:depth]) + "/" for depth in range(1, len(segments) + 1)]


def covering_q(area: AdminArea) -> Q:
    """Services (a filter on ``Service``) offered where ``area`` lies."""
    enclosing = AdminArea.objects.filter(
        country_id=area.country_id, path__in=enclosing_paths(area)
    ).values("pk")
    return Q(covers_country=True, provider__country_id=area.country_id) | Q(
        pk__in=ServiceArea.objects.filter(area__in=enclosing).values("service_id")
    )


def covers(
    service_areas: list[AdminArea], covers_country: bool, country: str, area: AdminArea
) -> bool:
    """The same rule in Python, for one service already loaded with its areas."""
    if covers_country and area.country_id == country:
        return True
    return any(area.path.startswith(covered.path) for covered in service_areas)
