"""Reads of the area tree. Area names and codes are public reference data."""

from __future__ import annotations

from django.db.models import QuerySet

from pulang.errors import NotFound
from pulang.geo.models import AdminArea


def area_children(*, country_code: str, parent_code: str | None = None) -> QuerySet[AdminArea]:
    """The areas directly under ``parent_code`` (the provinces when it is omitted)."""
    areas = AdminArea.objects.filter(country_id=country_code.upper(), is_active=True)
    if parent_code:
        return areas.filter(parent__code=parent_code, parent__country_id=country_code.upper())
    return areas.filter(level=AdminArea.Level.PROVINCE)


def area_get(*, country_code: str, code: str) -> AdminArea:
    area = (
        AdminArea.objects.select_related("parent")
        .filter(country_id=country_code.upper(), code=code)
        .first()
    )
    if area is None:
        raise NotFound()
    return area


def area_ancestors(*, area: AdminArea) -> list[AdminArea]:
    """From the country down to ``area``'s parent, in one query."""
    codes = [c for c in area.path.strip("/").split("/")[:-1]]
    by_code = {
        a.code: a for a in AdminArea.objects.filter(country_id=area.country_id, code__in=codes)
    }
    return [by_code[c] for c in codes if c in by_code]


def area_count(*, country_code: str | None = None) -> int:
    areas = AdminArea.objects.all()
    if country_code:
        areas = areas.filter(country_id=country_code)
    return areas.count()


def area_choices_within(
    *, root: AdminArea | None, country_code: str, limit: int = 1000
) -> list[AdminArea]:
    """Areas a form may offer: everything inside ``root`` (or the country's provinces and
    below), deepest levels last, at most ``limit`` — a select stays usable on a phone."""
    areas = AdminArea.objects.filter(country_id=country_code, is_active=True, level__gte=1)
    if root is not None:
        areas = areas.filter(path__startswith=root.path)
    return list(areas.order_by("path")[:limit])
