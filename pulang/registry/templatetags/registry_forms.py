from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def fields_named(form: forms.Form, names: str) -> list[forms.BoundField]:
    """The form's fields listed in ``names`` (space-separated), in that order."""
    return [form[name] for name in names.split()]
