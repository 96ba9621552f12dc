"""The public directory's search: where the returnee lives and what they need. Every
field is optional; nothing typed here is personal (places and kinds of help only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.referrals.codes import GROUP_OF, NeedGroup, ServiceType


def service_type_choices() -> list[tuple[Any, Any]]:
    """The kinds of service, grouped under the need they answer (no script needed)."""
    grouped: list[tuple[Any, Any]] = [("", _("Any kind of help"))]
    for group in NeedGroup:
        kinds = [(t.value, t.label) for t in ServiceType if GROUP_OF[t] == group]
        grouped.append((group.label, kinds))
    return grouped


class DirectorySearchForm(forms.Form):
    province = forms.ChoiceField(label=_("Province where you live"), required=False)
    area = forms.CharField(
        label=_("District, sub-district or village"), required=False, widget=forms.Select
    )
    need = forms.ChoiceField(
        label=_("Help with"),
        required=False,
        choices=[("", _("Anything")), *NeedGroup.choices],
    )
    service = forms.ChoiceField(
        label=_("A particular service"), required=False, choices=service_type_choices
    )

    def __init__(
        self,
        *args: Any,
        provinces: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("Choose a province")), *provinces]  # type: ignore[attr-defined]
        self.area_choices = [("", _("Anywhere in the province")), *areas]
        self.fields["area"].widget.choices = self.area_choices
        # True when the place chosen is not in the province chosen (the province changed).
        self.area_dropped = False

    def clean_area(self) -> str:
        value: str = self.cleaned_data.get("area") or ""
        if value and value not in {code for code, _label in self.area_choices}:
            self.area_dropped = True
            return ""
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A kind of service says which need it answers.
        if cleaned.get("service"):
            cleaned["need"] = GROUP_OF[cleaned["service"]].value
        return cleaned

    def area_code(self) -> str | None:
        """The smallest place chosen: the village (or district), else the province."""
        return self.cleaned_data.get("area") or self.cleaned_data.get("province") or None
