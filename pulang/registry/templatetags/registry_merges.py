from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from pulang.registry.presenters import merge_facts as _merge_facts

if TYPE_CHECKING:
    from pulang.registry.models import PersonMerge

register = template.Library()


@register.filter
def merge_facts(merge: PersonMerge) -> dict[str, str]:
    """What a merge moved, filled in and left behind, in words."""
    return _merge_facts(merge)
