"""Page forms of cases. They only parse; the rules live in the services, whose errors come
back onto the field they name. Every form that changes the case carries the version the
officer saw (``expected_version``), so that a colleague's change is never overwritten."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.cases.models import (
    Assistance,
    ClosureReason,
    ContactAttempt,
    Dimension,
    PlanAction,
    PlanGoal,
    Priority,
    Sensitivity,
    Transition,
)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.Textarea(attrs={"rows": 2})


class VersionedForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class TransitionForm(VersionedForm):
    transition = forms.ChoiceField(
        label=_("Next step"),
        choices=[
            (t.value, t.label)
            for t in (
                Transition.MARK_ASSESSED,
                Transition.AGREE_PLAN,
                Transition.START,
                Transition.MONITOR,
            )
        ],
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class CloseForm(VersionedForm):
    reason = forms.ChoiceField(
        label=_("Why the case is closed"),
        choices=[("", _("Choose a reason")), *ClosureReason.choices],
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False, widget=_NOTE)


class ReopenForm(VersionedForm):
    note = forms.CharField(label=_("Why the case is reopened"), max_length=500, widget=_NOTE)


class AssignForm(VersionedForm):
    # The service says whether the person chosen may hold the case.
    owner = forms.IntegerField(label=_("Give the case to"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].widget.choices = [
            ("", _("Nobody: back to the office's unassigned cases")),
            *owners,
        ]

    def owner_id(self) -> int | None:
        value: int | None = self.cleaned_data["owner"]
        return value


class TransferForm(VersionedForm):
    # Any office may be chosen (the list offers the first ones by name; typing filters it):
    # the service says whether it may take the case.
    organisation = forms.IntegerField(label=_("Office the case goes to"), widget=forms.Select)
    note = forms.CharField(label=_("Why (the returnee moved, …)"), max_length=500, widget=_NOTE)

    def __init__(self, *args: Any, offices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].widget.choices = [("", _("Choose an office")), *offices]


class PlanForm(VersionedForm):
    returnee_words = forms.CharField(
        label=_("What the returnee wants, in their own words"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pre_departure_plan = forms.CharField(
        label=_("The plan they made before returning"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GoalForm(VersionedForm):
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)
    text = forms.CharField(label=_("Goal"), max_length=300)


class GoalStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Goal status"), choices=PlanGoal.Status.choices)


class ActionForm(VersionedForm):
    description = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ChoiceField(label=_("Who does it"), choices=PlanAction.Owner.choices)
    due_on = forms.DateField(label=_("Due by"), widget=_DATE)


class ActionStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Action status"), choices=PlanAction.Status.choices)


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=ContactAttempt.Channel.choices)
    reached = forms.BooleanField(label=_("Reached the returnee"), required=False)
    outcome = forms.CharField(
        label=_("What came of it"), max_length=500, required=False, widget=_NOTE
    )
    give_up = forms.BooleanField(
        label=_("Not reached, and no further attempts for this follow-up"), required=False
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    restricted = forms.BooleanField(
        label=_("Restricted: encrypted, shown only on this page"), required=False
    )


class AssistanceForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Assistance.Kind.choices)
    description = forms.CharField(label=_("What was given"), max_length=300)
    given_on = forms.DateField(label=_("Given on"), widget=_DATE)
    amount = forms.DecimalField(
        label=_("Amount (if money)"), required=False, max_digits=14, decimal_places=2
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args: Any, currencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", "—"), *currencies]  # type: ignore[attr-defined]


class OpenCaseForm(forms.Form):
    return_id = forms.ChoiceField(label=_("Which return"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        choices=Sensitivity.choices,
        initial=Sensitivity.STANDARD,
        help_text=_(
            "Restricted for trafficking, gender-based violence or minors: only colleagues "
            "with clearance will see the case, and every look at it is recorded."
        ),
    )
    reason = forms.CharField(
        label=_("Why open a case"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, returns: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["return_id"].choices = [("", _("None in particular")), *returns]  # type: ignore[attr-defined]

    def return_pk(self) -> int | None:
        value = self.cleaned_data["return_id"]
        return int(value) if value else None


# Where an error found by the services goes on the form.
FIELD_OF_ERROR = {"owner_id": "owner", "organisation_id": "organisation"}


def apply_errors(form: forms.Form, errors: list[dict[str, Any]]) -> None:
    """A service's field errors onto the form's fields, the others on top."""
    for error in errors:
        path = str(error.get("field", ""))
        name = FIELD_OF_ERROR.get(path, path)
        form.add_error(name if name in form.fields else None, str(error["reason"]))
