"""Page forms of referrals. They only parse; the rules live in the services, whose errors
come back onto the field they name. Every form that changes a referral carries the
version the user saw."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.referrals.codes import ClosureReason, Outcome, ServiceType

_NOTE = forms.Textarea(attrs={"rows": 3})


def apply_errors(form: forms.Form, errors: list[dict[str, Any]]) -> None:
    """A service's field errors onto the form's fields, the others on top."""
    for error in errors:
        name = str(error.get("field", ""))
        form.add_error(name if name in form.fields else None, str(error["reason"]))


class FindForm(forms.Form):
    """Which need to find a service for, and for which plan action."""

    action = forms.TypedChoiceField(
        label=_("For the plan action"), coerce=int, required=False, empty_value=None
    )
    service_type = forms.ChoiceField(label=_("Service needed"), choices=ServiceType.choices)

    def __init__(self, *args: Any, actions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("None in particular")), *actions]  # type: ignore[attr-defined]


class SendForm(forms.Form):
    service = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.IntegerField(widget=forms.HiddenInput, required=False)
    shared_note = forms.CharField(
        label=_("What the provider needs to know"),
        help_text=_(
            "Only what this service needs: the provider sees this note, the returnee's "
            "name, age, sex, phone and languages, never the case."
        ),
        max_length=2000,
        widget=_NOTE,
    )
    override_reason = forms.CharField(
        label=_("Why send it without the returnee's consent (supervisors only)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VersionedForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class StepForm(VersionedForm):
    """A step that is only a button (accept, start, no-show): the step is in the URL."""


class DeclineForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why you decline (the case worker reads it)"), max_length=500, widget=_NOTE
    )


class CompleteForm(VersionedForm):
    outcome = forms.ChoiceField(
        label=_("How it went"), choices=[("", _("Choose")), *Outcome.choices]
    )
    note = forms.CharField(
        label=_("What was delivered"), max_length=1000, required=False, widget=_NOTE
    )


class CloseForm(VersionedForm):
    reason = forms.ChoiceField(
        label=_("Why it is closed"), choices=[("", _("Choose")), *ClosureReason.choices]
    )


class FeedbackForm(VersionedForm):
    satisfaction = forms.TypedChoiceField(
        label=_("How happy was the returnee with the service?"),
        coerce=int,
        choices=[
            (5, _("5 — very happy")),
            (4, _("4 — happy")),
            (3, _("3 — neither")),
            (2, _("2 — unhappy")),
            (1, _("1 — very unhappy")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("In their words (optional)"), max_length=1000, required=False, widget=_NOTE
    )


class CodeFeedbackForm(forms.Form):
    """The returnee's own feedback, with their registration code (public page)."""

    reference_code = forms.CharField(label=_("Your registration code"), max_length=12)
    referral = forms.IntegerField(widget=forms.HiddenInput)
    satisfaction = FeedbackForm.base_fields["satisfaction"]
    comment = FeedbackForm.base_fields["comment"]


class CodeForm(forms.Form):
    reference_code = forms.CharField(label=_("Your registration code"), max_length=12)
