"""The decision form under a pair: which button was pressed, a note, and the versions of
both records as the reviewer saw them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PairDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("same", _("Same person")),
            ("different", _("Different people")),
            ("unsure", _("Not sure")),
        ],
    )
    note = forms.CharField(
        label=_("Note (required when you are not sure)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version_a = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    version_b = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def versions(self) -> tuple[int, int]:
        d: dict[str, Any] = self.cleaned_data
        return int(d["version_a"]), int(d["version_b"])


def apply_errors(form: forms.Form, errors: list[dict[str, Any]]) -> None:
    """A service's field errors on the form (the note, the decision), others on top."""
    for error in errors:
        name = str(error.get("field", ""))
        form.add_error(name if name in form.fields else None, str(error["reason"]))
